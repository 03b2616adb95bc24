-- Ghost text end to end: type in a buffer attached to the real radix-ls, see the suggestion,
-- accept it all / by word / by line, dismiss it, type through it. The pytest side checks the
-- results against the server's own answer (asked directly at the same position).
--
-- Env: RADIX_TEST_FILE (the file to edit), RADIX_TEST_ROW (1-based line; typing appends a
-- space to it).

local H =
  dofile(vim.fs.joinpath(vim.fs.dirname(debug.getinfo(1, 'S').source:sub(2)), 'harness.lua'))

local PENDING = 'textDocument/inlineCompletion:pending'

H.run(function()
  require('radix_ls').setup({ ghost_text = { debounce_ms = 150 } })
  local requests = H.count_requests()
  local client = H.start(vim.env.RADIX_TEST_FILE, { maxTokens = 48 })
  local original = vim.api.nvim_buf_get_lines(0, 0, -1, true)
  local row = assert(tonumber(vim.env.RADIX_TEST_ROW))
  H.result.offset_encoding = client.offset_encoding
  H.result.filetype = vim.bo.filetype

  local function sent()
    return requests[PENDING] or 0
  end

  --- Back to the original text; append a space to line `row` in insert mode; wait for the
  --- ghost text; ask the server directly at the same position.
  local function trigger()
    H.input('<Esc>')
    H.wait('normal mode', function()
      return vim.api.nvim_get_mode().mode == 'n'
    end)
    vim.api.nvim_buf_set_lines(0, 0, -1, true, original)
    vim.api.nvim_win_set_cursor(0, { row, 0 })
    H.input('A ')
    local ghost = H.wait('the ghost text', H.ghost)
    return {
      before = H.text(),
      cursor = H.cursor(),
      ghost = ghost,
      raw = H.inline_completion(client),
    }
  end

  ---@param plug string
  local function press(plug)
    local before = H.text()
    H.input('<Plug>(radix-ls-' .. plug .. ')')
    H.wait(plug .. ' to change the buffer', function()
      return H.text() ~= before
    end)
    return {
      text = H.text(),
      cursor = H.cursor(),
      ghost = H.ghost(),
      mode = vim.api.nvim_get_mode().mode,
    }
  end

  -- 1. Accept everything.
  local all = trigger()
  all.accepted = press('accept')
  H.result.accept_all = all

  -- 2. Accept a word, a word, a line, a line; then dismiss the rest.
  local partial = trigger()
  partial.steps = {}
  for _, kind in ipairs({ 'word', 'word', 'line', 'line' }) do
    local step = press('accept-' .. kind)
    step.kind = kind
    partial.steps[#partial.steps + 1] = step
  end
  local before, count = H.text(), sent()
  H.input('<Plug>(radix-ls-dismiss)')
  H.wait('the ghost text to go', function()
    return H.ghost() == nil
  end)
  H.sleep(400) -- over twice the debounce: no request follows a dismissal
  partial.dismissed = {
    unchanged = H.text() == before,
    ghost = H.ghost(),
    requests = sent() - count,
  }
  H.result.partial = partial

  -- 3. Typing the suggestion's first character keeps the rest without asking again.
  local through = trigger()
  count = sent()
  H.type(through.ghost.text:sub(1, 1))
  H.wait('the typed character', function()
    return H.text() ~= through.before
  end)
  H.sleep(400)
  through.after =
    { text = H.text(), cursor = H.cursor(), ghost = H.ghost(), requests = sent() - count }

  -- 4. Keys typed faster than the debounce make one request, once typing pauses.
  local next_char = through.after.ghost and through.after.ghost.text:sub(1, 1)
  local key = next_char == '~' and '^' or '~'
  count = sent()
  for _ = 1, 4 do
    H.type(key)
    H.sleep(10)
  end
  H.wait('a request after the pause', function()
    return sent() > count
  end)
  H.sleep(400)
  through.burst = { keys = 4, requests = sent() - count }
  H.result.typed = through

  -- The default keys are mapped in the buffer.
  H.result.keymaps = {}
  for _, lhs in ipairs({ '<M-l>', '<M-w>', '<M-j>', '<C-]>' }) do
    local map = vim.fn.maparg(lhs, 'i', false, true)
    H.result.keymaps[lhs] = map.buffer == 1 and map.desc or vim.NIL
  end
end)
