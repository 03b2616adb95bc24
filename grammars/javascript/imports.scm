; JavaScript imports: @import the statement or call, @module the specifier (quotes are
; stripped by the extractor), @name each imported name (`default` for a default import,
; `*` for a namespace import), @alias its local (`as`) name.

(import_statement
  source: (string) @module) @import

(import_statement
  (import_clause (identifier) @name)
  source: (string) @module) @import

(import_statement
  (import_clause (named_imports (import_specifier name: (_) @name alias: (_)? @alias)))
  source: (string) @module) @import

; `* as ns`: the name `*`, and `ns` the alias of the module itself
(import_statement
  (import_clause (namespace_import (identifier) @alias) @name)
  source: (string) @module) @import

; re-exports (@import.export): `export { x } from "./y"` (`x as z`: z is what the file
; exports), `export * from "./y"` (no name: everything), `export * as ns from "./y"`
(export_statement
  source: (string) @module) @import.export

(export_statement
  (export_clause (export_specifier name: (_) @name alias: (_)? @alias))
  source: (string) @module) @import.export

(export_statement
  (namespace_export (_) @alias)
  source: (string) @module) @import.export

; `require("./x")` and dynamic `import("./x")`
((call_expression
  function: (identifier) @_require
  arguments: (arguments . (string) @module .)) @import
  (#eq? @_require "require"))

(call_expression
  function: (import)
  arguments: (arguments . (string) @module)) @import
