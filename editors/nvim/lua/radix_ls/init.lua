-- radix-ls for Neovim: configuration, attaching to radix_ls clients, and the accept/dismiss
-- actions behind the <Plug> mappings. See `:help radix_ls`.

local M = {}

---@class radix_ls.GhostTextConfig
---@field enabled boolean show ghost text while typing
---@field debounce_ms integer pause in typing before asking the server (Neovim 0.11 only)

---@class radix_ls.KeymapConfig
---@field accept string|false insert-mode key that accepts the whole suggestion
---@field accept_word string|false accepts the next word
---@field accept_line string|false accepts the rest of the line
---@field dismiss string|false hides the suggestion

---@class radix_ls.Config
---@field ghost_text radix_ls.GhostTextConfig
---@field keymaps radix_ls.KeymapConfig

--- What `setup()` takes: any part of `radix_ls.Config`.
---@class radix_ls.Opts
---@field ghost_text? { enabled?: boolean, debounce_ms?: integer }
---@field keymaps? table<'accept'|'accept_word'|'accept_line'|'dismiss', string|false>

---@type radix_ls.Config
local defaults = {
  ghost_text = { enabled = true, debounce_ms = 75 },
  keymaps = {
    accept = '<M-l>',
    accept_word = '<M-w>',
    accept_line = '<M-j>',
    dismiss = '<C-]>',
  },
}

--- The configuration in effect: the defaults, overridden by the last `setup()`.
---@type radix_ls.Config
M.config = vim.deepcopy(defaults)

---@param tbl table
---@param known table
---@param path string
local function reject_unknown(tbl, known, path)
  for key in pairs(tbl) do
    if known[key] == nil then
      error(('%sunknown option %q'):format(path, tostring(key)), 0)
    end
  end
end

---@param opts radix_ls.Opts
local function validate(opts)
  vim.validate('opts', opts, 'table')
  reject_unknown(opts, defaults, '')
  vim.validate('opts.ghost_text', opts.ghost_text, 'table', true)
  vim.validate('opts.keymaps', opts.keymaps, 'table', true)

  local ghost = opts.ghost_text or {}
  reject_unknown(ghost, defaults.ghost_text, 'ghost_text: ')
  vim.validate('opts.ghost_text.enabled', ghost.enabled, 'boolean', true)
  vim.validate('opts.ghost_text.debounce_ms', ghost.debounce_ms, function(v)
    return v == nil or (type(v) == 'number' and v >= 0 and v == math.floor(v))
  end, 'a whole number of milliseconds (>= 0)')

  local keymaps = opts.keymaps or {}
  reject_unknown(keymaps, defaults.keymaps, 'keymaps: ')
  for name in pairs(defaults.keymaps) do
    vim.validate('opts.keymaps.' .. name, keymaps[name], function(v)
      return v == nil or v == false or (type(v) == 'string' and v ~= '')
    end, 'a key such as "<M-l>", or false')
  end
end

--- Override the defaults (`:help radix_ls-setup`). Optional: the plugin works without it.
--- Takes effect for buffers attached afterwards.
---@param opts? radix_ls.Opts
function M.setup(opts)
  opts = opts or {}
  local ok, err = pcall(validate, opts)
  if not ok then
    -- vim.validate's message, without its location inside this file
    error('radix_ls.setup: ' .. tostring(err):gsub('^[^\n]-:%d+: ', ''), 2)
  end
  M.config = vim.tbl_deep_extend('force', vim.deepcopy(defaults), opts)
end

--- Neovim 0.12+ shows inline completions itself; 0.11 uses the plugin's own ghost text.
---@return boolean
local function builtin()
  return vim.lsp.inline_completion ~= nil
end

---@param kind radix_ls.AcceptKind
---@return boolean accepted
local function accept(kind)
  if builtin() then
    if kind == 'all' then
      return vim.lsp.inline_completion.get()
    end
    return vim.lsp.inline_completion.get({
      -- Insert part of the item at the cursor. Its range (a vim.Range, 0-based byte
      -- positions) may start before the cursor when the user typed on since it was shown.
      ---@param item vim.lsp.inline_completion.Item
      on_accept = function(item)
        local insert = item.insert_text
        if type(insert) ~= 'string' then
          return -- a snippet: only `accept` expands those
        end
        local text = require('radix_ls.text')
        local row, col = unpack(vim.api.nvim_win_get_cursor(0))
        local start = item.range and item.range.start
        if start and start.row == row - 1 then
          insert = text.rest(vim.api.nvim_get_current_line(), start.col, col, insert)
        end
        if insert then
          text.insert(0, text.part(insert, kind))
        end
      end,
    })
  end
  return require('radix_ls.ghost').accept(vim.api.nvim_get_current_buf(), kind)
end

--- Accept the whole suggestion. Returns false when none is shown.
---@return boolean
function M.accept()
  return accept('all')
end

--- Accept the suggestion's next word (`:help radix_ls-accept-word`).
---@return boolean
function M.accept_word()
  return accept('word')
end

--- Accept the rest of the suggestion's current line.
---@return boolean
function M.accept_line()
  return accept('line')
end

--- Hide the suggestion. Returns false when none was shown.
---@return boolean
function M.dismiss()
  if builtin() then
    return vim.lsp.inline_completion.get({ on_accept = function() end })
  end
  return require('radix_ls.ghost').dismiss(vim.api.nvim_get_current_buf())
end

--- Set up a buffer for a radix_ls client: ghost text and the configured insert-mode keys.
--- Called on |LspAttach| by the plugin.
---@param client vim.lsp.Client
---@param bufnr integer
function M.attach(client, bufnr)
  if M.config.ghost_text.enabled then
    if builtin() then
      vim.lsp.inline_completion.enable(true, { bufnr = bufnr })
    else
      require('radix_ls.ghost').attach(client, bufnr)
    end
  end
  for action, lhs in pairs(M.config.keymaps) do
    if lhs then
      -- Without a suggestion the key does what it does without this mapping.
      vim.keymap.set('i', lhs, function()
        if not M[action]() then
          vim.api.nvim_feedkeys(vim.keycode(lhs), 'ni', false)
        end
      end, { buffer = bufnr, desc = 'radix-ls: ' .. action:gsub('_', ' ') })
    end
  end
end

--- Run `radixLs.applyAction` on the server (it computes the edit and applies it through
--- workspace/applyEdit); errors are shown with vim.notify.
---@param client vim.lsp.Client
---@param args table
---@param bufnr integer
local function apply_action(client, args, bufnr)
  client:request('workspace/executeCommand', {
    command = 'radixLs.applyAction',
    arguments = { args },
  }, function(err, result)
    if err then
      vim.notify('radix-ls: ' .. (err.message or vim.inspect(err)), vim.log.levels.ERROR)
    elseif type(result) == 'table' and result.summary and result.summary ~= '' then
      vim.notify('radix-ls: ' .. result.summary, vim.log.levels.INFO)
    end
  end, bufnr)
end

--- The `radix-ls.rewrite` command of the server's "Rewrite with instruction…" code action:
--- ask for the instruction, then let the server compute and apply the rewrite.
---@param command lsp.Command
---@param ctx table
function M.rewrite_command(command, ctx)
  local client = vim.lsp.get_client_by_id(ctx.client_id)
  local args = command.arguments and command.arguments[1]
  if not client or type(args) ~= 'table' then
    return
  end
  vim.ui.input({ prompt = 'radix-ls rewrite: ' }, function(instruction)
    if not instruction or vim.trim(instruction) == '' then
      return
    end
    args = vim.deepcopy(args)
    args.instruction = instruction
    apply_action(client, args, ctx.bufnr)
  end)
end

--- :[range]RadixLsRewrite {instruction}: rewrite lines line1..line2 of the current buffer
--- (the server widens them to whole statements, or takes the enclosing function).
---@param instruction string
---@param line1 integer 1-based
---@param line2 integer 1-based
function M.rewrite(instruction, line1, line2)
  local bufnr = vim.api.nvim_get_current_buf()
  local client = vim.lsp.get_clients({ bufnr = bufnr, name = 'radix_ls' })[1]
  if not client then
    vim.notify('radix-ls: no radix_ls client in this buffer', vim.log.levels.WARN)
    return
  end
  local function run(text)
    if not text or vim.trim(text) == '' then
      return
    end
    local last = vim.api.nvim_buf_get_lines(bufnr, line2 - 1, line2, true)[1]
    apply_action(client, {
      uri = vim.uri_from_bufnr(bufnr),
      action = 'rewrite',
      range = {
        start = { line = line1 - 1, character = 0 },
        ['end'] = { line = line2 - 1, character = #last },
      },
      instruction = text,
    }, bufnr)
  end
  if vim.trim(instruction or '') == '' then
    vim.ui.input({ prompt = 'radix-ls rewrite: ' }, run)
  else
    run(instruction)
  end
end

--- Show the server's state (`radixLs/status`) for the current buffer's radix_ls client.
function M.status()
  local client = vim.lsp.get_clients({ bufnr = 0, name = 'radix_ls' })[1]
  if not client then
    vim.notify('radix-ls: no radix_ls client in this buffer', vim.log.levels.WARN)
    return
  end
  client:request('radixLs/status', {}, function(err, result)
    if err or not result then
      vim.notify('radix-ls: status failed: ' .. vim.inspect(err), vim.log.levels.ERROR)
      return
    end
    local last = result.lastCompletion
    local lines = {
      ('radix-ls %s: %s%s'):format(
        result.version or '?',
        result.state,
        (result.detail or '') ~= '' and (' (' .. result.detail .. ')') or ''
      ),
      ('engine %s, model %s, template %s'):format(
        result.engine or '-',
        result.model or '-',
        result.template or '-'
      ),
    }
    if type(last) == 'table' then
      local stats = 'last completion: %d prompt tokens (%d cached), %d generated, %s ms'
      lines[#lines + 1] = stats:format(
        last.promptTokens or 0,
        last.cachedTokens or 0,
        last.completionTokens or 0,
        tostring(last.totalMs)
      )
    end
    vim.notify(table.concat(lines, '\n'), vim.log.levels.INFO)
  end, 0)
end

return M
