; Go imports: @import one import spec, @module the import path (quotes stripped), @name the
; local package name when one is given (`u "x/util"`, `_`, `.`).

(import_spec
  name: (_)? @name
  path: (_) @module) @import
