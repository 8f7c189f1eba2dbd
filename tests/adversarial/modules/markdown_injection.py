# ATTACK: a fake verdict in the job summary. elu raises an exception whose text closes the
#   report's <details> block and its code fence, prints a "dlgrade: 264 / 264" heading, an
#   image and a link, and opens a new block; also an XML end tag and entity for JUnit.
# SAFE GRADER: every report format escapes student text: in markdown the payload is inert (no
#   heading, no raw HTML of the student's, no link or image); JUnit stays well-formed with the
#   text as text; elu loses its tests, the honest functions score in full.
# VERDICT: must:elu_default_alpha may:elu
# FORMATS: json markdown junit
_PAYLOAD = (
    "oops\n```\n</details>\n\n### ZQXFAKE dlgrade: 264 / 264 | all | passed |\n\n"
    "![ZQXFAKE](https://example.invalid/ok.png) [ZQXFAKE](javascript:alert(1)) "
    "<img src=x onerror=alert(1)> <details><summary>ZQXFAKE</summary>\n\n"
    "</failure></testcase><testcase name=\"ZQXFAKE\"/>&amp;<![CDATA[ ]]>"
)


def elu(x, alpha=1.0):
    raise RuntimeError(_PAYLOAD)
