-- Test harness for a real Neovim driven by pytest (tests/editors/test_nvim.py).
--
-- A test script calls `H.run(function() ... end)`. The function runs as a coroutine on the
-- main loop: keys sent with `H.input()` are processed by Neovim exactly as typed (insert mode,
-- mappings, autocommands), while `H.wait()` yields until a condition holds. Whatever the
-- script stores in `H.result` is written as JSON to $RADIX_TEST_OUT, with `error` set when it
-- failed; Neovim then quits. A watchdog ends a script that hangs.

local H = {}

---@type table<string, any>
H.result = {}

local env = vim.env
local out = assert(env.RADIX_TEST_OUT, 'RADIX_TEST_OUT is not set')
local co ---@type thread

local function finish(err)
  if err then
    H.result.error = err
  end
  local file = assert(io.open(out, 'w'))
  file:write(vim.json.encode(H.result))
  file:close()
  vim.schedule(function()
    vim.cmd('qa!')
  end)
end

--- Resume the script coroutine; any error ends the test.
local function step(...)
  local ok, err = coroutine.resume(co, ...)
  if not ok then
    finish(debug.traceback(co, tostring(err)))
  elseif coroutine.status(co) == 'dead' then
    finish(nil)
  end
end

--- Run `main` as the test; results go to $RADIX_TEST_OUT.
---@param main fun()
function H.run(main)
  local watchdog = tonumber(env.RADIX_TEST_TIMEOUT_MS or '40000')
  vim.defer_fn(function()
    if coroutine.status(co) ~= 'dead' then
      finish(('watchdog: the test did not finish in %d ms'):format(watchdog))
    end
  end, watchdog)
  co = coroutine.create(main)
  vim.schedule(step)
end

--- Yield to the main loop until `predicate()` returns a truthy value (polled every 10 ms),
--- and return that value; fail after `timeout_ms`.
---@generic T
---@param what string
---@param predicate fun(): T
---@param timeout_ms? integer
---@return T
function H.wait(what, predicate, timeout_ms)
  local deadline = vim.uv.now() + (timeout_ms or 20000)
  local timer = assert(vim.uv.new_timer())
  timer:start(
    0,
    10,
    vim.schedule_wrap(function()
      if timer:is_closing() then
        return
      end
      local ok, value = pcall(predicate)
      if not ok or value or vim.uv.now() > deadline then
        timer:stop()
        timer:close()
        step(ok, value)
      end
    end)
  )
  local ok, value = coroutine.yield()
  if not ok then
    error(value, 0)
  end
  if not value then
    error('timed out waiting for ' .. what, 0)
  end
  return value
end

--- Yield to the main loop for `ms` milliseconds (only to check that something does NOT
--- happen).
---@param ms integer
function H.sleep(ms)
  local deadline = vim.uv.now() + ms
  H.wait('sleep', function()
    return vim.uv.now() >= deadline
  end, ms + 1000)
end

--- Type keys as a user would (`nvim_input` notation: `<Esc>`, `<CR>`, `<Plug>(...)`).
---@param keys string
function H.input(keys)
  vim.api.nvim_input(keys)
end

--- Type literal text (no key notation).
---@param text string
function H.type(text)
  vim.api.nvim_input((text:gsub('<', '<lt>')))
end

--- Start radix-ls through the plugin's `lsp/radix_ls.lua` with the test's command, model and
--- settings, open `path`, and wait until the engine is ready. Returns the client.
---@param path string
---@param init_options? table
---@return vim.lsp.Client
function H.start(path, init_options)
  vim.lsp.config('radix_ls', {
    cmd = vim.json.decode((assert(env.RADIX_TEST_CMD, 'RADIX_TEST_CMD is not set'))),
    -- One thread: llama.cpp's threads spin while waiting for each other, which gets slow on a
    -- busy machine; the tiny model needs no more.
    init_options = vim.tbl_extend(
      'force',
      { model = env.RADIX_TEST_MODEL, nThreads = 1 },
      init_options or {}
    ),
  })
  vim.lsp.enable('radix_ls')
  vim.cmd.edit(vim.fn.fnameescape(path))
  local client = H.wait('the radix_ls client to attach', function()
    return vim.lsp.get_clients({ bufnr = 0, name = 'radix_ls' })[1]
  end)
  H.wait('the engine to be ready', function()
    local status = H.status(client)
    if status.state == 'error' then
      error('the engine failed: ' .. tostring(status.detail), 0)
    end
    return status.state == 'ready'
  end)
  return client
end

---@param client vim.lsp.Client
---@return table
function H.status(client)
  local response = assert(client:request_sync('radixLs/status', {}, 5000, 0))
  assert(not response.err, vim.inspect(response.err))
  return response.result
end

--- The server's own answer at the cursor, asked directly (not through the plugin).
---@param client vim.lsp.Client
---@return string? insertText of the first item
function H.inline_completion(client)
  local params = vim.lsp.util.make_position_params(0, client.offset_encoding)
  params.context = { triggerKind = 1 }
  local response = assert(client:request_sync('textDocument/inlineCompletion', params, 10000, 0))
  assert(not response.err, vim.inspect(response.err))
  local items = response.result and (response.result.items or response.result) or {}
  return items[1] and items[1].insertText
end

--- What the plugin's ghost text shows in the current buffer: nil when nothing; otherwise
--- `{ row, col, text }` (0-based row, byte column, lines joined with "\n").
---@return { row: integer, col: integer, text: string }?
function H.ghost()
  local ns = vim.api.nvim_get_namespaces()['radix_ls.ghost_text']
  if not ns then
    return nil
  end
  local marks = vim.api.nvim_buf_get_extmarks(0, ns, 0, -1, { details = true })
  assert(#marks <= 1, 'more than one ghost text extmark')
  local mark = marks[1]
  if not mark then
    return nil
  end
  local details = mark[4]
  local lines = {}
  for _, chunks in ipairs({ details.virt_text, unpack(details.virt_lines or {}) }) do
    local line = {}
    for _, chunk in ipairs(chunks) do
      assert(chunk[2] == 'RadixLsGhostText', 'unexpected highlight ' .. tostring(chunk[2]))
      line[#line + 1] = chunk[1]
    end
    lines[#lines + 1] = table.concat(line)
  end
  return { row = mark[2], col = mark[3], text = table.concat(lines, '\n') }
end

---@return string the current buffer's text
function H.text()
  return table.concat(vim.api.nvim_buf_get_lines(0, 0, -1, true), '\n')
end

---@return integer[] the cursor as { 0-based row, byte column }
function H.cursor()
  local pos = vim.api.nvim_win_get_cursor(0)
  return { pos[1] - 1, pos[2] }
end

--- Count LSP requests by method and kind (`pending`, `cancel`, `complete`) from now on.
---@return table<string, integer> counts keyed by "method:kind"
function H.count_requests()
  local counts = {}
  vim.api.nvim_create_autocmd('LspRequest', {
    callback = function(args)
      local request = args.data.request
      local key = request.method .. ':' .. request.type
      counts[key] = (counts[key] or 0) + 1
    end,
  })
  return counts
end

return H
