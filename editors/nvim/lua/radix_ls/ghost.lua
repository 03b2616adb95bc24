-- Ghost text for Neovim 0.11, which has no `vim.lsp.inline_completion`: requests
-- textDocument/inlineCompletion while typing (debounced, cancelling the previous request) and
-- draws the first item with an extmark. Typing what the suggestion starts with (or accepting
-- part of it) keeps the rest on screen without a new request.

local api = vim.api
local text = require('radix_ls.text')

local M = {}

local METHOD = 'textDocument/inlineCompletion'
local TRIGGER_AUTOMATIC = 2 -- lsp.InlineCompletionTriggerKind.Automatic
local REQUEST_CANCELLED = -32800
local HL = 'RadixLsGhostText'

M.namespace = api.nvim_create_namespace('radix_ls.ghost_text')

---@class radix_ls.Suggestion
---@field row integer 0-based line of the anchor (where accepting inserts)
---@field col integer byte column of the anchor
---@field text string what accepting everything inserts there

---@class radix_ls.GhostState
---@field client_id integer
---@field augroup integer
---@field timer uv.uv_timer_t debounces requests
---@field request_id? integer the request in flight
---@field suggestion? radix_ls.Suggestion what is on screen

---@type table<integer, radix_ls.GhostState>
local states = {}

---@return integer row 0-based, integer col bytes
local function cursor()
  local pos = api.nvim_win_get_cursor(0)
  return pos[1] - 1, pos[2]
end

---@param bufnr integer
---@return boolean
local function typing_in(bufnr)
  return api.nvim_get_current_buf() == bufnr and api.nvim_get_mode().mode:sub(1, 1) == 'i'
end

---@param state radix_ls.GhostState
local function cancel(state)
  local id = state.request_id
  state.request_id = nil
  local client = id and vim.lsp.get_client_by_id(state.client_id)
  if client then
    client:cancel_request(id)
  end
end

---@param bufnr integer
---@param state radix_ls.GhostState
local function clear(bufnr, state)
  state.suggestion = nil
  cancel(state)
  api.nvim_buf_clear_namespace(bufnr, M.namespace, 0, -1)
end

---@param bufnr integer
---@param state radix_ls.GhostState
local function render(bufnr, state)
  api.nvim_buf_clear_namespace(bufnr, M.namespace, 0, -1)
  local s = assert(state.suggestion)
  local lines = vim.split(s.text, '\n', { plain = true })
  local virt_lines = {}
  for i = 2, #lines do
    virt_lines[#virt_lines + 1] = { { lines[i], HL } }
  end
  api.nvim_buf_set_extmark(bufnr, M.namespace, s.row, s.col, {
    virt_text = { { lines[1], HL } },
    virt_text_pos = 'inline',
    virt_lines = #virt_lines > 0 and virt_lines or nil,
    hl_mode = 'combine',
  })
end

--- Keep the suggestion if the text between its anchor and the cursor is a proper prefix of
--- it (the user typed it, or accepted part of it): the rest stays, anchored at the cursor.
---@param bufnr integer
---@param state radix_ls.GhostState
---@return boolean kept
local function advance(bufnr, state)
  local s = state.suggestion
  if not s or not typing_in(bufnr) then
    return false
  end
  local row, col = cursor()
  if row < s.row or (row == s.row and col < s.col) then
    return false
  end
  -- pcall: an edit elsewhere may have shortened the anchor's line
  local ok, between = pcall(api.nvim_buf_get_text, bufnr, s.row, s.col, row, col, {})
  if not ok then
    return false
  end
  local typed = table.concat(between, '\n')
  if typed == '' then
    return true
  end
  if #typed >= #s.text or s.text:sub(1, #typed) ~= typed then
    return false
  end
  state.suggestion = { row = row, col = col, text = s.text:sub(#typed + 1) }
  render(bufnr, state)
  return true
end

--- The text to show for the first usable item: plain-text items whose range (if any) lies on
--- the cursor line and ends at the cursor; what the range covers before the cursor must
--- already be typed.
---@param bufnr integer
---@param items lsp.InlineCompletionItem[]
---@param row integer
---@param col integer
---@param encoding string the client's offset encoding
---@return string?
local function pick(bufnr, items, row, col, encoding)
  local line = api.nvim_buf_get_lines(bufnr, row, row + 1, true)[1]
  for _, item in ipairs(items) do
    local insert = type(item.insertText) == 'string' and item.insertText:gsub('\r\n?', '\n')
    local range = item.range
    if insert and range then
      local first, last = range.start, range['end']
      if
        first.line ~= row
        or last.line ~= row
        or vim.str_byteindex(line, encoding, last.character, false) ~= col
      then
        insert = nil
      else
        local from = vim.str_byteindex(line, encoding, first.character, false)
        insert = text.rest(line, from, col, insert)
      end
    end
    if insert and insert ~= '' then
      return insert
    end
  end
end

---@param bufnr integer
local function request(bufnr)
  local state = states[bufnr]
  local client = state and vim.lsp.get_client_by_id(state.client_id)
  if not client or not typing_in(bufnr) or state.suggestion then
    return
  end
  cancel(state)
  local params = vim.lsp.util.make_position_params(0, client.offset_encoding)
  ---@cast params lsp.InlineCompletionParams
  params.context = { triggerKind = TRIGGER_AUTOMATIC }
  local tick = api.nvim_buf_get_changedtick(bufnr)
  local row, col = cursor()
  local id ---@type integer? assigned below, before the handler can run
  local ok
  ok, id = client:request(METHOD, params, function(err, result)
    if state.request_id ~= id or states[bufnr] ~= state then
      return -- superseded, cancelled or detached
    end
    state.request_id = nil
    if err then
      if err.code ~= REQUEST_CANCELLED then
        vim.lsp.log.warn('radix_ls: inlineCompletion failed:', err)
      end
      return
    end
    -- Stale answers: the document or the cursor changed while the server was working.
    local now_row, now_col = cursor()
    if
      not result
      or not typing_in(bufnr)
      or api.nvim_buf_get_changedtick(bufnr) ~= tick
      or now_row ~= row
      or now_col ~= col
    then
      return
    end
    local shown = pick(bufnr, result.items or result, row, col, client.offset_encoding)
    if shown then
      state.suggestion = { row = row, col = col, text = shown }
      render(bufnr, state)
    end
  end, bufnr)
  state.request_id = ok and id or nil
end

--- React to typing or cursor motion: keep a suggestion that still fits, else drop it and ask
--- again once typing pauses.
---@param bufnr integer
local function on_change(bufnr)
  local state = states[bufnr]
  if not state or advance(bufnr, state) then
    return
  end
  clear(bufnr, state)
  local delay = require('radix_ls').config.ghost_text.debounce_ms
  state.timer:stop()
  state.timer:start(
    delay,
    0,
    vim.schedule_wrap(function()
      request(bufnr)
    end)
  )
end

---@param bufnr integer
local function detach(bufnr)
  local state = states[bufnr]
  if not state then
    return
  end
  states[bufnr] = nil
  clear(bufnr, state)
  state.timer:stop()
  state.timer:close()
  api.nvim_del_augroup_by_id(state.augroup)
end

--- Show ghost text from `client` in `bufnr`.
---@param client vim.lsp.Client
---@param bufnr integer
function M.attach(client, bufnr)
  detach(bufnr)
  local augroup = api.nvim_create_augroup('radix_ls.ghost_text.' .. bufnr, { clear = true })
  states[bufnr] = {
    client_id = client.id,
    augroup = augroup,
    timer = assert(vim.uv.new_timer()),
  }
  api.nvim_create_autocmd({ 'InsertEnter', 'TextChangedI', 'TextChangedP', 'CursorMovedI' }, {
    group = augroup,
    buffer = bufnr,
    desc = 'radix-ls: update ghost text',
    callback = function()
      on_change(bufnr)
    end,
  })
  api.nvim_create_autocmd({ 'InsertLeave', 'BufLeave' }, {
    group = augroup,
    buffer = bufnr,
    desc = 'radix-ls: hide ghost text',
    callback = function()
      M.dismiss(bufnr)
    end,
  })
  api.nvim_create_autocmd('LspDetach', {
    group = augroup,
    buffer = bufnr,
    desc = 'radix-ls: stop ghost text',
    callback = function(args)
      if args.data.client_id == client.id then
        detach(bufnr)
      end
    end,
  })
end

--- Whether a suggestion is on screen in `bufnr` (and still fits the text at the cursor).
---@param bufnr integer
---@return boolean
function M.visible(bufnr)
  local state = states[bufnr]
  return state ~= nil and advance(bufnr, state)
end

--- Insert all, the next word or the rest of the line of the suggestion; what remains stays
--- on screen.
---@param bufnr integer
---@param kind radix_ls.AcceptKind
---@return boolean accepted
function M.accept(bufnr, kind)
  if not M.visible(bufnr) then
    return false
  end
  local state = states[bufnr]
  text.insert(0, text.part(assert(state.suggestion).text, kind))
  on_change(bufnr)
  return true
end

--- Hide the suggestion and stop the pending request; the next edit asks again.
---@param bufnr integer
---@return boolean dismissed whether a suggestion was on screen
function M.dismiss(bufnr)
  local state = states[bufnr]
  if not state then
    return false
  end
  local shown = state.suggestion ~= nil
  state.timer:stop()
  clear(bufnr, state)
  return shown
end

return M
