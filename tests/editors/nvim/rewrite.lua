-- "Rewrite with instruction…" through Neovim's built-in code action menu: the plugin's
-- radix-ls.rewrite command asks for the instruction (vim.ui.input, answered here as a user
-- would type it) and has the server run it. Records what the user is told and the buffer.
--
-- Env: RADIX_TEST_FILE, RADIX_TEST_ROWS ("first,last": 1-based lines to select).

local H =
  dofile(vim.fs.joinpath(vim.fs.dirname(debug.getinfo(1, 'S').source:sub(2)), 'harness.lua'))

H.run(function()
  local client = H.start(vim.env.RADIX_TEST_FILE)
  local messages = {}
  vim.notify = function(msg, level)
    table.insert(messages, { msg = msg, level = level })
  end
  local prompts = {}
  vim.ui.input = function(opts, on_confirm)
    table.insert(prompts, opts.prompt)
    on_confirm('use a list comprehension')
  end
  local first, last = vim.env.RADIX_TEST_ROWS:match('^(%d+),(%d+)$')
  local range = { start = { tonumber(first), 0 }, ['end'] = { tonumber(last), 0 } }
  H.result.before = H.text()
  vim.lsp.buf.code_action({
    range = range,
    apply = true,
    filter = function(action)
      return action.title == 'radix-ls: Rewrite with instruction…'
    end,
  })
  H.wait('the rewrite to change the buffer or report an error', function()
    return #messages > 0 or H.text() ~= H.result.before
  end, 30000)
  H.sleep(200) -- a summary message may follow the edit
  H.result.messages = messages
  H.result.prompts = prompts
  H.result.after = H.text()
  H.result.status = H.status(client)
end)
