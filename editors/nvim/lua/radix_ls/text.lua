-- Pure text helpers shared by both ghost-text paths (the plugin's own and Neovim 0.12's).

local M = {}

---@alias radix_ls.AcceptKind 'all'|'word'|'line'

--- The part of `text` that accepting `kind` inserts.
---
--- - `all`: everything.
--- - `word`: leading whitespace (newlines included), then a run of word characters or a run of
---   other non-blank characters; only the whitespace if nothing follows it.
--- - `line`: up to the end of the current line; when the text starts with a line break, that
---   line break and the next line.
---@param text string
---@param kind radix_ls.AcceptKind
---@return string
function M.part(text, kind)
  if kind == 'word' then
    return text:match('^%s*[%w_]+') or text:match('^%s*[^%w_%s]+') or text:match('^%s*')
  elseif kind == 'line' then
    return text:match('^\n?[^\n]*')
  end
  return text
end

--- What is left to insert at the cursor (byte column `col` of `line`) of `insert`, a text
--- meant to start at byte column `from` of that line: nil when the text typed since `from`
--- is not the start of `insert`.
---@param line string
---@param from integer
---@param col integer
---@param insert string
---@return string?
function M.rest(line, from, col, insert)
  local typed = line:sub(from + 1, col)
  if from <= col and vim.startswith(insert, typed) then
    return insert:sub(#typed + 1)
  end
end

--- Insert `text` at the cursor of window `win` and put the cursor after it.
---@param win integer
---@param text string
function M.insert(win, text)
  local bufnr = vim.api.nvim_win_get_buf(win)
  local row, col = unpack(vim.api.nvim_win_get_cursor(win))
  local lines = vim.split(text, '\n', { plain = true })
  vim.api.nvim_buf_set_text(bufnr, row - 1, col, row - 1, col, lines)
  local last = #lines == 1 and col + #lines[1] or #lines[#lines]
  vim.api.nvim_win_set_cursor(win, { row + #lines - 1, last })
end

return M
