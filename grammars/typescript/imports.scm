; TypeScript imports beyond JavaScript's (javascript/imports.scm comes first in the manifest;
; also used for TSX): @import, @module (quotes stripped), @name.

; `import x = require("./y")`
(import_statement
  (import_require_clause (identifier) @name source: (string) @module)) @import
