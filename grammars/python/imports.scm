; Python imports: @import the statement, @module the module specifier (`a.b`, `.x`, `..`),
; @name each imported name (the original name), @alias its `as` name (of the module itself
; where there is no @name: `import a.b as m`).

(import_statement
  name: [
    (dotted_name) @module
    (aliased_import name: (dotted_name) @module alias: (identifier) @alias)
  ]) @import

(import_from_statement
  module_name: (_) @module
  name: [
    (dotted_name) @name
    (aliased_import name: (dotted_name) @name alias: (identifier) @alias)
  ]) @import

(import_from_statement
  module_name: (_) @module
  (wildcard_import) @name) @import
