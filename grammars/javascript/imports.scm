; JavaScript imports: @import the statement or call, @module the specifier (quotes are
; stripped by the extractor), @name each imported name (`default` for a default import,
; `*` for a namespace import).

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

; re-exports: `export { x } from "./y"`, `export * from "./y"`
(export_statement
  source: (string) @module) @import

(export_statement
  (export_clause (export_specifier name: (_) @name))
  source: (string) @module) @import

; `require("./x")` and dynamic `import("./x")`
((call_expression
  function: (identifier) @_require
  arguments: (arguments . (string) @module .)) @import
  (#eq? @_require "require"))

(call_expression
  function: (import)
  arguments: (arguments . (string) @module)) @import
