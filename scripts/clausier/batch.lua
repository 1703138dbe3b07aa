-- Clausier's batch converter: one `pandoc lua` process converts many documents.
--
-- Started by clausier/batch.py as `pandoc lua batch.lua`; reads framed requests on
-- stdin and answers on stdout, so no file path is ever given on the command line.
--
--   request:  "<n>\n" then n bytes of JSON
--             first {"init": {"reader": "<format spec>", "abbreviations": [...], "max_parts": n,
--                             "typography": "<path of typography.lua>",
--                             "store": {"path", "salt", "read", "secret"} (optional, see the part store)}},
--             then one per document: {"name", "input", "meta": {k: v}, "outputs": [...],
--                                         "store": false (optional: leave the part store alone)},
--             or {"stats": true} (how many parts were read, and paragraphs of them, loaded from
--             the store, stored)
--   answer:   per output "ok <n>\n" + n bytes, or a single "error <n>\n" + message;
--             an output asking for "spans": true gets a second answer: where each part's text
--             lies in the document, JSON [[offset from 0, length], ...] in bytes, or [] when
--             the document was written whole (clausier/typst_batch.py uses them);
--             init is answered "ok 0", stats with one JSON object
--
-- It does what `pandoc --sandbox -f READER -t FORMAT -M k=v ...` does for the single
-- route (render.py), so both routes give the same bytes:
--   * the reader is the same format spec, with the CLI's reader options (columns 72 and the
--     abbreviations data file; pandoc's Lua defaults differ on both);
--   * the same typography filter runs after the -M values are set (--lua-filter typography.lua);
--   * the reader runs sandboxed: `pandoc.read` with an empty ersatz file system (read_env),
--     so it can read no file; the writers run on the parsed document, in which any image is
--     refused here (the single route refuses them before pandoc; a writer would fetch them);
--   * -M values become strings, or booleans for true/false, as the CLI's -M does;
--   * --standalone uses the default template of the format; -V variables and the HTML
--     header (--include-in-header, sent as text) become writer variables;
--   * the DOCX writer gets SOURCE_DATE_EPOCH=0: the sandboxed CLI's clock is the epoch;
--   * HTML without a title gets the input file's name as page title, as the CLI sets it.
--
-- Reading and writing are the dear steps, and agreements built from one library repeat most of
-- their articles and sub-clauses word for word. So a document is read part by part (cut before
-- each top-level `# ` or `## ` heading) and a part already read is reused, with what the writers
-- made of it (Typst: see body_from_parts). Markdown parts read apart give the blocks they give
-- read together, except through what pandoc's reader keeps for the whole document: footnotes,
-- reference links, example lists, implicit header references;
-- a document that could use any of them (`[^`, `]:`, `(@`, an unescaped `]` not opening a link
-- target or attributes), or whose cut points are uncertain (fences left open, a line of dashes
-- that may belong to a table), is read whole. Tests compare both routes byte for byte.
--
-- The part store keeps each part's Typst text on disk (build/_cache/parts/<salt>/, a file a part),
-- so the next process -- a worker of the next build -- does not read again what one read before:
-- after a one-word edit, only the part holding the word is read. A file is named by an HMAC over
-- the salt (pandoc's version, this converter, the filter, the reader and its abbreviations, all
-- given by batch.py), the language and the part's text, and holds all three: a file is used only
-- when they equal the part's own (so no hash collision can swap texts). It starts with an HMAC of
-- the rest, and a file that fails it is ignored (and rewritten). A part loaded from the store has
-- no blocks: they are read only if a format written whole (DOCX, HTML) needs them.
--
-- The build folder is not an input: only what this user's builds wrote may be loaded. The HMACs
-- are keyed with the store's secret, which batch.py derives from the user's cache key (kept
-- outside the repository, see cachekey.py) and sends in the init request: a planted file has no
-- valid tag, and cannot even be named, as the names are unguessable without the secret. HMAC is
-- built here from SHA-1 (RFC 2104), the only hash pandoc's Lua offers: HMAC's security rests on
-- the hash's compression function being a pseudorandom function, not on collision resistance, so
-- SHA-1's known collisions do not forge an HMAC-SHA1 (unlike a bare sha1(secret .. text), open to
-- length extension). The secret is a 32-byte HMAC-SHA256 of the user's key: the key itself never
-- reaches this process.

local json = pandoc.json
local SANDBOX_EPOCH = "0"
local BOOLEANS = {["true"] = true, ["True"] = true, ["TRUE"] = true,
                  ["false"] = false, ["False"] = false, ["FALSE"] = false}

local reader_format, reader_options
local typography  -- the typography filter (typography.lua), loaded at init
local templates = {}
local parts_seen, parts_count = {}, 0
local paragraphs_seen, paragraphs_count = {}, 0  -- pieces of parts read, by language and text
local store  -- the part store: {path, salt, read, inner, outer (the HMAC's padded keys)}, or nil
local counts = {read = 0, paragraphs = 0, loaded = 0, stored = 0}
local MAX_PARTS = 20000  -- past this many, the parts used only once are forgotten
local BOUNDARY_TAG = tostring(os.time()) .. tostring(math.random(100000, 999999))

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

local function refuse_images(blocks, text)
  -- Markdown makes an image only from `![`: a text without it needs no walk (a dear one), nor
  -- even a document built from its blocks.
  if not text:find("![", 1, true) then return end
  pandoc.Pandoc(blocks):walk {
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
  -- An unescaped `]` that does not open a link target or attributes (one ending the text too).
  local position = 1
  while true do
    local at = text:find("]", position, true)
    if not at then return false end
    local after = text:byte(at + 1)
    if after ~= 40 and after ~= 123 then  -- "(" and "{"
      local backslashes = 0
      while at - backslashes > 1 and text:byte(at - backslashes - 1) == 92 do  -- "\\"
        backslashes = backslashes + 1
      end
      if backslashes % 2 == 0 then return true end
    end
    position = at + 1
  end
end

-- The first bytes of a line that cut() must look at: a line of spaces or an indented one, a
-- fence, a div, a rule or setext underline, a heading. Any other line is empty or text (most of a
-- contract's lines), and only ends a run of blank lines.
local LINE_MARKS = {}
for _, mark in ipairs {" ", "\t", "\r", "\v", "\f", "`", "~", ":", "-", "=", "#"} do LINE_MARKS[mark:byte()] = true end

local function cut(text)
  -- The text cut before each `# ` or `## ` heading that starts a top-level block; nil when unsure.
  local parts, start, position, previous_blank = {}, 1, 1, true
  local depth, fence = 0, nil
  while position <= #text do
    local stop = text:find("\n", position, true) or (#text + 1)
    if stop == position or not LINE_MARKS[text:byte(position)] then  -- empty, or text: nothing to look at
      previous_blank = stop == position
      position = stop + 1
      goto continue
    end
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
      elseif line:match("^##? ") and previous_blank and depth == 0 and position > 1 then
        parts[#parts + 1] = text:sub(start, position - 1)
        start = position
      end
    end
    previous_blank = line:match("^%s*$") ~= nil
    position = stop + 1
    ::continue::
  end
  if fence or depth ~= 0 then return nil end
  parts[#parts + 1] = text:sub(start)
  return parts
end

local function starts_a_paragraph(line)
  -- A line that, after a blank line, can only start a paragraph of its own: it opens with a
  -- letter, a digit, a guillemet or bold text, and is not a list item ("a) ", "2. ", "iv. "),
  -- a table caption ("Table: ") or row ("x | y") or anything else Markdown gives a meaning to.
  local first = line:sub(1, 1)
  if first == "" or first:match("[%s%-%+%*:>|<%[!#=~`\\%(%)_{}%$%%&@^]") then
    return line:match("^%*%*[^%s%*]") ~= nil  -- **1.2** Texte: bold, not a list item
  end
  if line:match("^%w+[.)][ \t]") or line:match("^%w+[.)]$") or line:match("^[Tt]able:") then return false end
  return not line:find("|", 1, true)  -- a table row without its first pipe: its caption may be above
end

local function cut_paragraphs(text)
  -- A part's text cut before each paragraph that follows a blank line at the top level, so a
  -- part read for its few changed words (a name, an amount) costs only the paragraph holding
  -- them; the text whole when there is nothing to cut or when unsure (any fence or div). Read apart, the
  -- pieces give the blocks they give together: a paragraph after a blank line ends any list,
  -- quote or table before it, and nothing else in this reader links two of them.
  local pieces, start, position, previous_blank = {}, 1, 1, false
  while position <= #text do
    local stop = text:find("\n", position, true) or (#text + 1)
    local line = text:sub(position, stop - 1)
    if line:match("^ ? ? ?```") or line:match("^ ? ? ?~~~") or line:match("^%s*:::") then return {text} end
    -- A definition list goes on over blank lines (the next term may belong to it): no cut after one.
    if line:match("^ ? ? ?[:~][ \t]") then break end
    if previous_blank and position > 1 and starts_a_paragraph(line) then
      pieces[#pieces + 1] = text:sub(start, position - 1)
      start = position
    end
    previous_blank = line:match("^%s*$") ~= nil
    position = stop + 1
  end
  if #pieces == 0 then return {text} end
  pieces[#pieces + 1] = text:sub(start)  -- the rest, whole
  return pieces
end

local function div_around(text)
  -- A part holding one fenced div among its paragraphs (the parties, the signatures: a few
  -- names in paragraphs that repeat) as {before, open, inner, after}: the opening line, and the
  -- texts before it, between the fences and after the closing one; nil unless sure. Sure: no
  -- code fence, exactly two lines of colons, at the line start: the opening (`::: {#id}` or
  -- `::: name`), after a blank line or at the start, and the closing (`:::`), followed by a blank
  -- line or the end. Its inside then reads as the same blocks apart, as its paragraphs do.
  if text:find("```", 1, true) or text:find("~~~", 1, true) then return nil end
  local fences, position = {}, 1
  while true do
    local at = text:find(":::", position, true)
    if not at then break end
    local line_start = at
    while line_start > 1 and text:byte(line_start - 1) ~= 10 do line_start = line_start - 1 end
    if line_start ~= at then
      if text:sub(line_start, at - 1):match("^%s*$") then return nil end  -- an indented fence
    else
      fences[#fences + 1] = at
      if #fences > 2 then return nil end
    end
    position = (text:find("\n", at, true) or #text) + 1
  end
  if #fences ~= 2 then return nil end
  local open_stop = text:find("\n", fences[1], true)
  local close_stop = text:find("\n", fences[2], true) or (#text + 1)
  if not open_stop then return nil end
  local open, close = text:sub(fences[1], open_stop - 1), text:sub(fences[2], close_stop - 1)
  if not (open:match("^:::+%s*{[^{}]*}%s*:*%s*$") or open:match("^:::+%s*[%w_-]+%s*:*%s*$"))
      or not close:match("^:::+%s*$") then
    return nil
  end
  local before, after = text:sub(1, fences[1] - 1), text:sub(close_stop + 1)
  if not (before == "" or before:sub(-2) == "\n\n") then return nil end
  if not (after:match("^%s*$") or after:match("^[ \t]*\n")) then return nil end
  return {before = before, open = open, inner = text:sub(open_stop + 1, fences[2] - 1), after = after}
end

local function forget_rare_parts()
  -- Keep the parts that documents share; a build of thousands would otherwise grow without end.
  local kept, count = {}, 0
  for text, part in pairs(parts_seen) do
    if part.uses > 1 and count < MAX_PARTS // 2 then
      part.uses = 1
      kept[text], count = part, count + 1
    end
  end
  parts_seen, parts_count = kept, count
end

local function from_hex(hex)
  return (hex:gsub("%x%x", function(pair) return string.char(tonumber(pair, 16)) end))
end

local function hmac_pads(secret)
  -- The key XOR ipad and XOR opad, one SHA-1 block (64 bytes) each; the secret is 32 bytes.
  local inner, outer = {}, {}
  for index = 1, 64 do
    local byte = secret:byte(index) or 0
    inner[index], outer[index] = string.char(byte ~ 0x36), string.char(byte ~ 0x5c)
  end
  return table.concat(inner), table.concat(outer)
end

local function hmac(message)
  -- HMAC-SHA1 under the store's secret, hex (RFC 2104).
  return pandoc.utils.sha1(store.outer .. from_hex(pandoc.utils.sha1(store.inner .. message)))
end

local function store_key(language, text)
  return store and hmac("name\0" .. store.salt .. "\0" .. language .. "\0" .. text)
end

local function store_load(part_key, language, text)
  -- The part as an earlier process stored it, or nil (none, not to be read, damaged, or made
  -- from other text: the file holds what it was made from, compared whole, not just a hash).
  if not (part_key and store.read) then return nil end
  local file = io.open(store.path .. "/" .. part_key, "rb")
  if not file then return nil end
  local content = file:read("a")
  file:close()
  local checksum, payload = (content or ""):match("^(%x+)\n(.*)$")
  if not checksum or hmac("entry\0" .. payload) ~= checksum then return nil end  -- planted or damaged
  local ok, entry = pcall(json.decode, payload, false)
  if not ok or type(entry) ~= "table" or type(entry.empty) ~= "boolean" or type(entry.header) ~= "boolean"
      or entry.salt ~= store.salt or entry.language ~= language or entry.text ~= text then
    return nil
  end
  local part = {text = text, language = language, store_key = part_key, written = {}, uses = 0,
                empty = entry.empty, header = entry.header}
  if not entry.empty then
    if type(entry.body) ~= "string" or type(entry.joint) ~= "string" then return nil end
    part.written.typst = {body = entry.body, joint = entry.joint}
  end
  counts.loaded = counts.loaded + 1
  return part
end

local function store_save(part)
  -- Written beside, then renamed: a reader never sees half a file.
  if not part.store_key then return end
  local typst = part.written.typst or {}
  local payload = json.encode({salt = store.salt, language = part.language, text = part.text,
                               empty = part.empty, header = part.header, body = typst.body, joint = typst.joint})
  local target = store.path .. "/" .. part.store_key
  local temporary = target .. "." .. BOUNDARY_TAG .. ".tmp"
  local file = io.open(temporary, "wb")
  if not file then return end  -- a store that cannot be written only costs time
  local written = file:write(hmac("entry\0" .. payload), "\n", payload)
  local closed = file:close()  -- a full disk shows here or in the write: then nothing is stored
  if written and closed and os.rename(temporary, target) then
    counts.stored = counts.stored + 1
  else
    os.remove(temporary)
  end
end

-- Each pandoc.read or pandoc.write call costs about a millisecond before any text is read
-- (this reader's format string alone), so the parts a document brings that were never seen
-- are read together in one call, and written together in one call, with a boundary between
-- two parts that no text contains (checked): a paragraph to read, a heading to write.
local BOUNDARY = "ClausierPartBoundary" .. BOUNDARY_TAG

local function is_boundary(block)
  return block.t == "Para" and #block.content == 1 and block.content[1].t == "Str"
    and block.content[1].text == BOUNDARY
end

local function read_new_parts(texts)
  -- The blocks of each text, read in one call when that is sure to be the same as apart.
  local together = #texts > 1
  for _, text in ipairs(texts) do
    if text:find(BOUNDARY, 1, true) then together = false end
  end
  if together then
    local joined = table.concat(texts, "\n\n" .. BOUNDARY .. "\n\n")
    local groups, current = {}, pandoc.Blocks {}
    for _, block in ipairs(pandoc.read(joined, reader_format, reader_options, {}).blocks) do
      if is_boundary(block) then
        groups[#groups + 1], current = current, pandoc.Blocks {}
      else
        current:insert(block)
      end
    end
    groups[#groups + 1] = current
    if #groups == #texts then return groups end
  end
  local groups = {}
  for index, text in ipairs(texts) do
    groups[index] = pandoc.read(text, reader_format, reader_options, {}).blocks
  end
  return groups
end

local function read_texts(texts, meta)
  -- The blocks of texts, after the typography filter, as the command line gives them.
  local groups = read_new_parts(texts)
  for index, blocks in ipairs(groups) do
    refuse_images(blocks, texts[index])  -- before caching: a refused text is never reused
  end
  for index, blocks in ipairs(groups) do
    if typography.may_change(texts[index]) then  -- inline by inline: the same apart as together
      groups[index] = typography.apply(pandoc.Pandoc(blocks, meta)).blocks
    end
  end
  return groups
end

local function pieces_of(text)
  -- What a part's text is read as: its paragraphs (cut_paragraphs), a string each; and a
  -- fenced div among them ({shell = its opening line and a closing one, read apart for the div's
  -- attributes; inner = the pieces inside it}). Or the text whole.
  local div = div_around(text)
  if not div then return cut_paragraphs(text) end
  local pieces = {}
  local function add_paragraphs(part)
    for _, piece in ipairs(cut_paragraphs(part)) do pieces[#pieces + 1] = piece end
  end
  if div.before ~= "" then add_paragraphs(div.before) end
  pieces[#pieces + 1] = {shell = div.open .. "\n:::\n", inner = cut_paragraphs(div.inner)}
  if not div.after:match("^%s*$") then add_paragraphs(div.after) end
  return pieces
end

local function empty_div(blocks)
  return blocks and #blocks == 1 and blocks[1].t == "Div" and #blocks[1].content == 0
end

local function read_parts(texts, meta)
  -- The blocks of parts never read, paragraph by paragraph where that is sure to read the same:
  -- two agreements' versions of a part differ by a name or an amount, and the paragraphs they
  -- share are read once.
  local language = meta.lang and pandoc.utils.stringify(meta.lang) or ""
  if paragraphs_count > MAX_PARTS then paragraphs_seen, paragraphs_count = {}, 0 end  -- before, not during
  local function key(piece) return language .. "\0" .. piece end  -- the filter depends on the language
  local function seen(piece) return paragraphs_seen[key(piece)] end
  local pieces, unseen, queued = {}, {}, {}
  local function want(piece)
    if not seen(piece) and not queued[piece] then
      queued[piece], unseen[#unseen + 1] = true, piece
    end
  end
  for index, text in ipairs(texts) do
    pieces[index] = pieces_of(text)
    for _, piece in ipairs(pieces[index]) do
      if type(piece) == "string" then
        want(piece)
      else
        want(piece.shell)
        for _, inner in ipairs(piece.inner) do want(inner) end
      end
    end
  end
  local function read_unseen()
    if #unseen > 0 then
      for index, blocks in ipairs(read_texts(unseen, meta)) do
        paragraphs_seen[key(unseen[index])] = blocks
      end
      paragraphs_count = paragraphs_count + #unseen
      counts.paragraphs = counts.paragraphs + #unseen
    end
  end
  read_unseen()
  -- A shell that did not read as one empty div (not seen yet): its part is read whole.
  unseen, queued = {}, {}
  for index, list in ipairs(pieces) do
    for _, piece in ipairs(list) do
      if type(piece) == "table" and not empty_div(seen(piece.shell)) then
        pieces[index] = {texts[index]}
        want(texts[index])
        break
      end
    end
  end
  read_unseen()
  local groups = {}
  for index, list in ipairs(pieces) do
    local blocks = pandoc.Blocks {}
    for _, piece in ipairs(list) do
      if type(piece) == "string" then
        blocks:extend(seen(piece))
      else
        local inside = pandoc.Blocks {}
        for _, inner in ipairs(piece.inner) do inside:extend(seen(inner)) end
        blocks:insert(pandoc.Div(inside, seen(piece.shell)[1].attr))
      end
    end
    groups[index] = blocks
  end
  counts.read = counts.read + #texts
  return groups
end

local function ensure_blocks(parts, meta)
  -- Parts loaded from the store have no blocks: read them when a writer needs them.
  local missing, texts = {}, {}
  for _, part in ipairs(parts) do
    if not part.blocks then missing[#missing + 1], texts[#texts + 1] = part, part.text end
  end
  if #missing > 0 then
    for index, blocks in ipairs(read_parts(texts, meta)) do missing[index].blocks = blocks end
  end
end

local function read(text, meta, use_store)
  -- The document's metadata (the job's, over the text's) and either its blocks (read whole)
  -- or its parts, as the command line gives them. `use_store` false: parts neither loaded from
  -- the store nor saved to it.
  local texts = not whole_document_state(text) and cut(text)
  if not texts then
    local doc = pandoc.read(text, reader_format, reader_options, {})
    refuse_images(doc.blocks, text)
    for key, value in pairs(meta) do doc.meta[key] = value end
    doc = typography.apply(doc)
    return doc.meta, doc.blocks, nil
  end
  -- The filter depends on the language: a part is known per language.
  local language = meta.lang and pandoc.utils.stringify(meta.lang) or ""
  local function key(part_text) return language .. "\0" .. part_text end
  if parts_count + #texts > MAX_PARTS then forget_rare_parts() end  -- never mid-document
  local unseen, queued = {}, {}
  for _, part_text in ipairs(texts) do
    if not parts_seen[key(part_text)] and not queued[part_text] then
      queued[part_text] = true
      local part_key = use_store and store_key(language, part_text) or nil
      local stored = store_load(part_key, language, part_text)
      if stored then
        parts_seen[key(part_text)], parts_count = stored, parts_count + 1
      else
        unseen[#unseen + 1] = {text = part_text, language = language, store_key = part_key}
      end
    end
  end
  if #unseen > 0 then
    local unseen_texts = {}
    for index, part in ipairs(unseen) do unseen_texts[index] = part.text end
    for index, blocks in ipairs(read_parts(unseen_texts, meta)) do
      local part = unseen[index]
      part.blocks, part.written, part.uses = blocks, {}, 0
      part.empty, part.header = #blocks == 0, #blocks > 0 and blocks[1].t == "Header"
      parts_seen[key(part.text)], parts_count = part, parts_count + 1
      if part.empty then store_save(part) end  -- the others once their Typst text is written
    end
  end
  local parts = {}
  for _, part_text in ipairs(texts) do
    local part = parts_seen[key(part_text)]
    part.uses = part.uses + 1
    if not part.empty then parts[#parts + 1] = part end
  end
  return meta, nil, parts
end

-- For the formats below, a part's text is written once and reused: the body is the parts'
-- texts, each followed by what the writer put between its last block and a heading (a blank
-- line after a paragraph, a line break after a div...), joined; it goes through the standalone
-- template as one raw block. Tests compare the bytes with whole writes.
local HEADING_MARK = {typst = "="}  -- format → how a level-1 heading starts its line

local function write_new_parts(parts, format)
  -- Each part's text and what follows it: written in one call, each part followed by a
  -- boundary heading; apart when the boundary cannot be found exactly once per part.
  local blocks = pandoc.Blocks {}
  for _, part in ipairs(parts) do
    blocks:extend(part.blocks)
    blocks:insert(pandoc.Header(1, BOUNDARY))
  end
  local text = pandoc.write(pandoc.Pandoc(blocks), format)
  local mark = HEADING_MARK[format] .. " " .. BOUNDARY .. "\n"
  local pieces, start = {}, 1
  while true do
    local at = text:find(mark, start, true)
    if not at then break end
    if at > 1 and text:sub(at - 1, at - 1) ~= "\n" then return false end
    pieces[#pieces + 1], start = text:sub(start, at - 1), at + #mark
  end
  if #pieces ~= #parts or start <= #text then return false end
  for index, piece in ipairs(parts) do
    local body = pieces[index]:gsub("\n+$", "")
    piece.written[format] = {body = body, joint = pieces[index]:sub(#body + 1)}
    if format == "typst" then store_save(piece) end
  end
  return true
end

local function body_from_parts(parts, format, meta)
  -- The parts' texts joined as the writer joins their blocks, and where each part's text lies in
  -- it ({offset from 0, length} in bytes); nil when unsure.
  local unwritten, queued = {}, {}
  for _, part in ipairs(parts) do
    if not part.written[format] and not queued[part] then
      unwritten[#unwritten + 1], queued[part] = part, true
    end
  end
  ensure_blocks(unwritten, meta)
  if #unwritten > 0 and not write_new_parts(unwritten, format) then return nil end
  local pieces, spans, offset = {}, {}, 0
  for index, part in ipairs(parts) do
    local text = part.written[format]
    pieces[#pieces + 1] = text.body
    spans[#spans + 1] = {offset, #text.body}
    offset = offset + #text.body
    if index < #parts then
      if not parts[index + 1].header then return nil end
      pieces[#pieces + 1] = text.joint
      offset = offset + #text.joint
    end
  end
  return table.concat(pieces), spans
end

-- The standalone template around a body written from parts depends on the format, the
-- metadata and the writer's variables, not on the body: it is written once around a marker of
-- two lines and reused (writing it again cost some 4 ms a document). Only when the marker comes
-- out once and whole, so the template put the body there as it is; not for a body starting or
-- ending with a line break, which the marker does not try.
local frames = {}  -- JSON of what shapes the template → {prefix, suffix}, or false
local FRAME_MARK = "ClausierBody" .. BOUNDARY_TAG .. "\nClausierBody" .. BOUNDARY_TAG

local function framed(body, meta, job, out)
  -- The document written around `body`, and where the body starts in it; nil when unsure.
  if body:sub(1, 1) == "\n" or body:sub(-1) == "\n" then return nil end
  -- A body written from parts has no metadata of its own: the job's is the document's.
  local key = json.encode({out, job.meta or {}, out.format == "html5" and job.name or ""})
  local frame = frames[key]
  if frame == nil then
    local marked = write(pandoc.Pandoc({pandoc.RawBlock(out.format, FRAME_MARK)}, meta), job, out)
    local at = marked:find(FRAME_MARK, 1, true)
    frame = false
    if at and not marked:find(FRAME_MARK, at + 1, true) then
      frame = {prefix = marked:sub(1, at - 1), suffix = marked:sub(at + #FRAME_MARK)}
    end
    frames[key] = frame
  end
  if not frame then return nil end
  return frame.prefix .. body .. frame.suffix, #frame.prefix + 1
end

local function located(document, body, spans, start)
  -- The parts' places in the written document (JSON), or "[]" when the body cannot be found.
  start = start or document:find(body, 1, true)
  if not start or #spans == 0 then return "[]" end
  local placed = {}
  for index, span in ipairs(spans) do placed[index] = {span[1] + start - 1, span[2]} end
  return json.encode(placed)
end

local function convert(job)
  local given = pandoc.Meta {}
  for key, value in pairs(job.meta or {}) do
    if BOOLEANS[value] ~= nil then given[key] = BOOLEANS[value] else given[key] = value end
  end
  local meta, blocks, parts = read(job.input, given, job.store ~= false)
  local results = {}
  for _, out in ipairs(job.outputs) do
    local body, spans
    if parts and #parts > 0 and HEADING_MARK[out.format] then body, spans = body_from_parts(parts, out.format, meta) end
    if body then
      local document, start = framed(body, meta, job, out)
      if not document then
        document = write(pandoc.Pandoc({pandoc.RawBlock(out.format, body)}, meta), job, out)
      end
      results[#results + 1] = document
      if out.spans then results[#results + 1] = located(document, body, spans, start) end
    else
      if not blocks then  -- the parts' blocks, joined only for a format written whole
        ensure_blocks(parts, meta)
        blocks = pandoc.Blocks {}
        for _, part in ipairs(parts) do blocks:extend(part.blocks) end
      end
      results[#results + 1] = write(pandoc.Pandoc(blocks, meta), job, out)
      if out.spans then results[#results + 1] = "[]" end
    end
  end
  return results
end

local function init(settings)
  local abbreviations = {}
  for _, word in ipairs(settings.abbreviations) do abbreviations[word] = true end
  reader_format = settings.reader
  reader_options = pandoc.ReaderOptions {columns = 72, tab_stop = 4, abbreviations = abbreviations}
  MAX_PARTS = settings.max_parts or MAX_PARTS
  typography = dofile(settings.typography)
  if settings.store then
    local secret = from_hex(settings.store.secret or "")
    if #secret < 16 then error("the part store needs its secret", 0) end
    local inner, outer = hmac_pads(secret)
    store = {path = settings.store.path, salt = settings.store.salt, read = settings.store.read ~= false,
             inner = inner, outer = outer}
  end
end

while true do
  local header = io.stdin:read("l")
  if not header then break end
  local size = tonumber(header)
  local body = size and read_exact(size)
  if not body then break end
  local ok, result = pcall(function()
    -- Plain Lua tables: decoding into pandoc's own types (the default) costs about five times as
    -- much on a document's text, and a request holds no document tree.
    local request = json.decode(body, false)
    if request.init then
      init(request.init)
      return {""}
    end
    if request.stats then return {json.encode(counts)} end
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
