# ATTACK: a fake verdict on the instructor's terminal. elu raises an exception whose text clears
#   the screen and moves the cursor (ANSI escapes), returns the carriage to overwrite the line
#   with "activations: 72 / 72", rings the bell, and carries rich's own markup ([bold green]).
# SAFE GRADER: the text report shows the student's text inert: no escape, carriage return or
#   other control character of the student's reaches the terminal, and no markup is
#   interpreted; elu loses its tests, the honest functions score in full.
# VERDICT: must:elu_default_alpha may:elu
# FORMATS: json text


def elu(x, alpha=1.0):
    raise RuntimeError("oops\x1b[2J\x1b[H\x1b[32mZQXFAKE activations: 72 / 72\r\x07\x08[bold green]ZQXFAKE ok[/bold green]")
