; TypeScript imports (also used for TSX): @import, @module (quotes stripped), @name.

(import_statement
  source: (string) @module) @import

(import_statement
  (import_clause (identifier) @name)
  source: (string) @module) @import

(import_statement
  (import_clause (named_imports (import_specifier name: (_) @name)))
  source: (string) @module) @import

(import_statement
  (import_clause (namespace_import) @name)
  source: (string) @module) @import

; `import x = require("./y")`
(import_statement
  (import_require_clause (identifier) @name source: (string) @module)) @import

(export_statement
  source: (string) @module) @import

(export_statement
  (export_clause (export_specifier name: (_) @name))
  source: (string) @module) @import

((call_expression
  function: (identifier) @_require
  arguments: (arguments . (string) @module .)) @import
  (#eq? @_require "require"))

(call_expression
  function: (import)
  arguments: (arguments . (string) @module)) @import
