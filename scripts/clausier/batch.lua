-- Clausier's batch converter: one `pandoc lua` process converts many documents.
--
-- Started by clausier/batch.py as `pandoc lua batch.lua`; reads framed requests on
-- stdin and answers on stdout, so no file path is ever given on the command line.
--
--   request:  "<n>\n" then n bytes of JSON
--             first {"init": {"reader": "<format spec>", "abbreviations": [...]}},
--             then one per document: {"name", "input", "meta": {k: v}, "outputs": [...]}
--   answer:   per output "ok <n>\n" + n bytes, or a single "error <n>\n" + message;
--             init is answered "ok 0"
--
-- It does what `pandoc --sandbox -f READER -t FORMAT -M k=v ...` does for the single
-- route (render.py), so both routes give the same bytes:
--   * the reader is the same format spec, with the CLI's reader options (columns 72 and the
--     abbreviations data file; pandoc's Lua defaults differ on both);
--   * the reader runs sandboxed: `pandoc.read` with an empty ersatz file system (read_env),
--     so it can read no file; the writers run on the parsed document, in which any image is
--     refused here (the single route refuses them before pandoc; a writer would fetch them);
--   * -M values become strings, or booleans for true/false, as the CLI's -M does;
--   * --standalone uses the default template of the format; -V variables and the HTML
--     header (--include-in-header, sent as text) become writer variables;
--   * the DOCX writer gets SOURCE_DATE_EPOCH=0: the sandboxed CLI's clock is the epoch;
--   * HTML without a title gets the input file's name as page title, as the CLI sets it.
--
-- Reading is the dearest step, and agreements built from one library repeat most of their
-- articles word for word. So a document is read article by article (cut before each top-level
-- `# ` heading) and the blocks of an article already read are reused. Markdown articles read
-- apart give the blocks they give read together, except through what pandoc's reader keeps for
-- the whole document: footnotes, reference links, example lists, implicit header references;
-- a document that could use any of them (`[^`, `]:`, `(@`, an unescaped `]` not opening a link
-- target or attributes), or whose cut points are uncertain (fences left open, a line of dashes
-- that may belong to a table), is read whole. Tests compare both routes byte for byte.

local json = pandoc.json
local SANDBOX_EPOCH = "0"
local BOOLEANS = {["true"] = true, ["True"] = true, ["TRUE"] = true,
                  ["false"] = false, ["False"] = false, ["FALSE"] = false}

local reader_format, reader_options
local templates = {}
local articles, articles_count = {}, 0
local MAX_ARTICLES = 2000  -- the reuse cache is emptied past this many entries

local function read_exact(n)
  local parts, left = {}, n
  while left > 0 do
    local chunk = io.stdin:read(left)
    if not chunk then return nil end
    parts[#parts + 1] = chunk
    left = left - #chunk
  end
  return table.concat(parts)
end

local function send(kind, payload)
  io.stdout:write(kind, " ", tostring(#payload), "\n", payload)
end

local function template_for(format)
  if not templates[format] then
    templates[format] = pandoc.template.compile(pandoc.template.default(format))
  end
  return templates[format]
end

local function refuse_images(doc)
  doc:walk {
    Image = function()
      error("images are not allowed in contract text", 0)
    end,
  }
end

local function untitled(meta)
  local title = meta.title
  return title == nil or type(title) == "boolean" or pandoc.utils.stringify(title) == ""
end

local function write(doc, job, out)
  local variables = {}
  for key, value in pairs(out.variables or {}) do variables[key] = value end
  if out.header_includes then variables["header-includes"] = out.header_includes end
  if out.format == "html5" and out.standalone and untitled(doc.meta) then variables.pagetitle = job.name end
  local options = {variables = variables}
  if out.standalone then options.template = template_for(out.format) end
  if out.reference_doc then options.reference_doc = out.reference_doc end
  if out.format == "docx" then
    local env = pandoc.system.environment()
    env.SOURCE_DATE_EPOCH = SANDBOX_EPOCH
    return pandoc.system.with_environment(env, function() return pandoc.write(doc, out.format, options) end)
  end
  return pandoc.write(doc, out.format, options)
end

local function whole_document_state(text)
  -- What would make pandoc's reader link one part of the text to another.
  if text:find("[^", 1, true) or text:find("]:", 1, true) or text:find("(@", 1, true) then return true end
  for position in text:gmatch("()%]") do
    local after = text:sub(position + 1, position + 1)
    if after ~= "(" and after ~= "{" then
      local backslashes = 0
      while position - backslashes > 1 and text:sub(position - backslashes - 1, position - backslashes - 1) == "\\" do
        backslashes = backslashes + 1
      end
      if backslashes % 2 == 0 then return true end
    end
  end
  return false
end

local function cut(text)
  -- The text cut before each `# ` heading that starts a top-level block; nil when unsure.
  local parts, start, position, previous_blank = {}, 1, 1, true
  local depth, fence = 0, nil
  while position <= #text do
    local stop = text:find("\n", position, true) or (#text + 1)
    local line = text:sub(position, stop - 1)
    if fence then
      if line:match("^ ? ? ?" .. fence) then fence = nil end
    else
      local opened = line:match("^ ? ? ?(```+)") or line:match("^ ? ? ?(~~~+)")
      if opened then
        fence = opened
      elseif line:match("^%s*:::+%s*$") then
        depth = depth - 1
        if depth < 0 then return nil end
      elseif line:match("^%s*:::") then
        depth = depth + 1
      elseif line:match("^%s*%-%-%-+[%s%-]*$") or line:match("^%s*===+%s*$") then
        return nil
      elseif line:match("^# ") and previous_blank and depth == 0 and position > 1 then
        parts[#parts + 1] = text:sub(start, position - 1)
        start = position
      end
    end
    previous_blank = line:match("^%s*$") ~= nil
    position = stop + 1
  end
  if fence or depth ~= 0 then return nil end
  parts[#parts + 1] = text:sub(start)
  return parts
end

local function read_part(part)
  -- One article, parsed once: its blocks, and per writer its text and what follows it.
  local known = articles[part]
  if not known then
    local blocks = pandoc.read(part, reader_format, reader_options, {}).blocks
    refuse_images(pandoc.Pandoc(blocks))  -- before caching: a refused article is never reused
    known = {blocks = blocks, written = {}}
    if articles_count >= MAX_ARTICLES then articles, articles_count = {}, 0 end
    articles[part], articles_count = known, articles_count + 1
  end
  return known
end

local function read(text)
  -- The document, and its articles when it could be read article by article (else nil).
  local parts = not whole_document_state(text) and cut(text)
  if not parts then
    local doc = pandoc.read(text, reader_format, reader_options, {})
    refuse_images(doc)
    return doc, nil
  end
  local blocks, known = pandoc.Blocks {}, {}
  for _, part in ipairs(parts) do
    local article = read_part(part)
    if #article.blocks > 0 then
      blocks:extend(article.blocks)
      known[#known + 1] = article
    end
  end
  return pandoc.Pandoc(blocks), known
end

-- Writing is the other dear step. For the formats below, an article's text is written once
-- and reused: the body is the articles' texts joined by what the writer puts between an
-- article's last block and the next article's heading (a blank line after a paragraph, a
-- line break after a div...), which the writer itself is asked. The joined body goes
-- through the standalone template as one raw block. Tests compare the bytes with whole writes.
local REUSABLE = {typst = "= Clausier"}  -- format → how a level-1 heading "Clausier" starts

local function joint_after(article, format)
  -- What the writer puts between this article's last block and a following heading; nil if unsure.
  local last = article.blocks[#article.blocks]
  local alone = pandoc.write(pandoc.Pandoc({last}), format):gsub("\n+$", "")
  local probe = pandoc.write(pandoc.Pandoc({last, pandoc.Header(1, "Clausier")}), format)
  local heading = probe:find(REUSABLE[format], #alone + 1, true)
  if not heading or probe:sub(1, #alone) ~= alone then return nil end
  return probe:sub(#alone + 1, heading - 1)
end

local function written(article, format)
  local text = article.written[format]
  if not text then
    local body = pandoc.write(pandoc.Pandoc(article.blocks), format):gsub("\n+$", "")
    text = {body = body, joint = joint_after(article, format)}
    article.written[format] = text
  end
  return text
end

local function body_from_articles(known, format)
  -- The articles' texts joined as the writer joins their blocks; nil when unsure.
  local pieces = {}
  for index, article in ipairs(known) do
    local text = written(article, format)
    pieces[#pieces + 1] = text.body
    if index < #known then
      if not text.joint then return nil end
      pieces[#pieces + 1] = text.joint
    end
  end
  return table.concat(pieces)
end

local function convert(job)
  local doc, known = read(job.input)
  for key, value in pairs(job.meta or {}) do
    if BOOLEANS[value] ~= nil then doc.meta[key] = BOOLEANS[value] else doc.meta[key] = value end
  end
  local results = {}
  for _, out in ipairs(job.outputs) do
    local body = known and #known > 0 and REUSABLE[out.format] and body_from_articles(known, out.format)
    if body then
      results[#results + 1] = write(pandoc.Pandoc({pandoc.RawBlock(out.format, body)}, doc.meta), job, out)
    else
      results[#results + 1] = write(doc, job, out)
    end
  end
  return results
end

local function init(settings)
  local abbreviations = {}
  for _, word in ipairs(settings.abbreviations) do abbreviations[word] = true end
  reader_format = settings.reader
  reader_options = pandoc.ReaderOptions {columns = 72, tab_stop = 4, abbreviations = abbreviations}
end

while true do
  local header = io.stdin:read("l")
  if not header then break end
  local size = tonumber(header)
  local body = size and read_exact(size)
  if not body then break end
  local ok, result = pcall(function()
    local request = json.decode(body)
    if request.init then
      init(request.init)
      return {""}
    end
    if not reader_options then error("batch converter used before init", 0) end
    return convert(request)
  end)
  if ok then
    for _, output in ipairs(result) do send("ok", output) end
  else
    send("error", tostring(result))
  end
  io.stdout:flush()
end
