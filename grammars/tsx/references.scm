; TSX adds JSX components to the TypeScript references (typescript/references.scm).

(jsx_opening_element name: (identifier) @reference.component)

(jsx_self_closing_element name: (identifier) @reference.component)
