local M = {}

local function helper(x)
  return x * 2
end

function M.double(x)
  return helper(x)
end

function M:method(y)
  return self, y
end

function global_fn()
  return 1
end

return M
