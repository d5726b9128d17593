"""What the studio keeps on disk by name: one named-file store for presets and fast styles.

:mod:`.named_files` is the store (scan, import, export, delete, rename, atomic writes),
:mod:`.names` the one set of name rules, :mod:`.folder_lock` the folder's lock and
:mod:`.wording` the one wording of OS errors; each kind (:mod:`.preset_file`, the fast styles'
store) says only what its files hold.
"""
