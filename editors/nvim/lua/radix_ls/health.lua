-- :checkhealth radix_ls

local M = {}

local health = vim.health

---@return string[]? cmd the configured server command, when it is a list
local function server_cmd()
  local config = vim.lsp.config.radix_ls
  local cmd = config and config.cmd
  return type(cmd) == 'table' and cmd or nil
end

--- `radix-ls --version` through the configured command: everything before `serve`, plus
--- `--version`.
---@param cmd string[]
local function check_version(cmd)
  local args = {}
  for _, arg in ipairs(cmd) do
    if arg == 'serve' then
      break
    end
    args[#args + 1] = arg
  end
  if #args == #cmd then
    health.info('cannot tell the version: `serve` is not part of the command')
    return
  end
  args[#args + 1] = '--version'
  local ok, proc = pcall(vim.system, args, { text = true })
  local result = ok and proc:wait(10000)
  if result and result.code == 0 then
    health.ok('version: ' .. vim.trim(result.stdout))
  else
    local why = not ok and tostring(proc) or vim.trim((result and result.stderr) or '')
    health.error(('`%s` failed: %s'):format(table.concat(args, ' '), why))
  end
end

---@param client vim.lsp.Client
local function check_client(client)
  health.start(('radix_ls client %d (root %s)'):format(client.id, client.root_dir or 'none'))
  if client.server_capabilities.inlineCompletionProvider then
    health.ok('the server offers inline completions')
  else
    health.warn('the server does not offer inline completions', {
      'check the `inlineCompletion` setting',
    })
  end
  local bufnr = next(client.attached_buffers)
  local response, err = client:request_sync('radixLs/status', {}, 5000, bufnr)
  if not response or response.err or type(response.result) ~= 'table' then
    health.error('radixLs/status failed: ' .. vim.inspect(err or (response and response.err)))
    return
  end
  local status = response.result
  if status.state == 'ready' then
    health.ok('engine: ' .. tostring(status.engine))
    local path = type(status.settings) == 'table' and status.settings.model or ''
    health.ok(('model: %s%s'):format(status.model, path ~= '' and (' (' .. path .. ')') or ''))
    health.ok(('state: ready (prompt template %s)'):format(tostring(status.template)))
  elseif status.state == 'error' then
    health.error('the engine failed to start: ' .. tostring(status.detail), {
      'check the `engine` and `model` settings (`:help radix_ls-settings`)',
      '`radix-ls doctor` in a shell tells what this machine can run',
      'the server log: the LSP log (`:checkhealth vim.lsp` shows where it is)',
    })
  else
    health.warn(('state: %s %s'):format(status.state, status.detail or ''), {
      'the model is still loading or the server is stopping: run the check again',
    })
  end
end

function M.check()
  health.start('radix-ls')
  if vim.fn.has('nvim-0.11') == 1 then
    health.ok('Neovim ' .. tostring(vim.version()))
  else
    health.error('Neovim 0.11 or newer is needed')
    return
  end
  if vim.lsp.inline_completion then
    health.ok("ghost text: Neovim's vim.lsp.inline_completion")
  else
    health.ok("ghost text: the plugin's own (Neovim 0.11)")
  end
  if not require('radix_ls').config.ghost_text.enabled then
    health.warn('ghost text is disabled (`ghost_text.enabled = false`)')
  end

  local cmd = server_cmd()
  if not cmd then
    health.info('the radix_ls command is not a list; the server cannot be checked from here')
  elseif vim.fn.executable(cmd[1]) == 1 then
    health.ok(
      ('server found: %s (command: %s)'):format(vim.fn.exepath(cmd[1]), table.concat(cmd, ' '))
    )
    check_version(cmd)
  else
    health.error(('server not found: `%s` is not executable'):format(cmd[1]), {
      "install it (`pip install 'radix-ls[cpu]'`) and put it on PATH",
      "or set the command: vim.lsp.config('radix_ls', { cmd = { '/path/to/radix-ls', 'serve' } })",
    })
  end

  local clients = vim.lsp.get_clients({ name = 'radix_ls' })
  if #clients == 0 then
    health.info(
      'no radix_ls client is running: to check the engine and the model, open a '
        .. 'supported file (after `vim.lsp.enable("radix_ls")`)'
    )
  end
  for _, client in ipairs(clients) do
    check_client(client)
  end
end

return M
