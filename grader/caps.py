"""The caps on a submission, checked before anything of it is read whole or copied: what the
submission reader and the ``dlgrade submit`` archive check both enforce."""

MAX_FILE_BYTES = 1 << 20  # one module
MAX_NOTEBOOK_BYTES = 16 << 20  # a notebook with its outputs (plots); its code is capped as a module
# the whole submission, folder or zip: checked before anything is read or copied
MAX_ZIP_BYTES = 32 << 20
MAX_ZIP_FILES = 2000
MAX_TREE_BYTES = MAX_ZIP_BYTES
MAX_TREE_ENTRIES = MAX_ZIP_FILES  # files and folders
MAX_DEPTH = 16  # folders inside folders
# what goes into the jail: the topic modules and the helpers beside them
MAX_CODE_FILES = 100
MAX_CODE_BYTES = 8 << 20
