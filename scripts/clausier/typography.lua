-- Clausier's document filter, run on every route: contract safety (links and attributes,
-- see the section below), then the non-breaking spaces a contract needs, in every format.
--
-- A line must not break inside an amount or a percentage typed in a clause (12 000, 30 %,
-- 500 EUR), nor, in French, inside guillemets or before high punctuation (« Contrat »,
-- « article 3 : Prix », « ; ! ? »); "1er" and "1re" take their ordinal as a superscript.
-- Amounts formatted by Clausier already carry these spaces (Babel); this covers typed text.
--
-- It works on pandoc's document, so markup is never touched, and it gives Word and HTML the
-- same spaces the PDF has. Used by both routes, so both give the same bytes:
--   * the single route: `pandoc --lua-filter typography.lua` (render.py);
--   * the batch route: batch.lua loads this file and applies the same function to each part.
-- The language comes from the document's `lang` metadata ("fr", "fr-FR", ...).

local NBSP = "\u{00A0}"
local NNBSP = "\u{202F}"
local UNITS = {"EUR", "HTVA", "HT", "TTC"}
local CURRENCIES = {"€", "%", "$", "£"}

local function is_word_code(code)
  -- What a regular expression's \w matches, closely enough for deciding where a word ends:
  -- ASCII letters, digits and "_", Latin and other letters; not punctuation, spaces or signs
  -- (€, «, », non-breaking spaces, dashes, quotes: U+2000 to U+303F).
  if code == nil then return false end
  if code < 0x80 then return string.char(code):match("[%w_]") ~= nil end
  if code == 0xD7 or code == 0xF7 then return false end  -- × ÷
  if code < 0xC0 then return false end  -- Latin-1 punctuation and signs (« » ° § NBSP...)
  return code < 0x2000 or code >= 0x3040
end

local function code_at(text, position)
  -- The character starting at a byte position (nil outside the text).
  if position < 1 or position > #text then return nil end
  local ok, code = pcall(utf8.codepoint, text, position)
  return ok and code or nil
end

local function code_before(text, position)
  -- The character that ends just before a byte position.
  local start = position - 1
  while start > 1 and (text:byte(start) or 0) >= 0x80 and (text:byte(start) or 0) < 0xC0 do
    start = start - 1
  end
  return code_at(text, start)
end

local function starts_with_word(text, word)
  return text:sub(1, #word) == word and not is_word_code(code_at(text, #word + 1))
end

local function ends_with_digit(text)
  return text:match("%d$") ~= nil
end

local function space_between(before, after, french)
  -- The space to put between two inlines (a Str's text, or nil for any other inline), or nil
  -- to keep an ordinary one.
  if french then
    if before and before:sub(-2) == "«" then return NBSP end
    if after and (after:sub(1, 2) == "»" or after:sub(1, 1) == ":") then return NBSP end
    if after and after:match("^[;!?]") then return NNBSP end
  end
  if before and after and ends_with_digit(before) then
    if after:match("^%d%d%d") and not is_word_code(code_at(after, 4)) then return NNBSP end
    for _, sign in ipairs(CURRENCIES) do
      if after:sub(1, #sign) == sign then return NBSP end
    end
    for _, unit in ipairs(UNITS) do
      if starts_with_word(after, unit) then return NBSP end
    end
  end
  return nil
end

local function ordinals(text)
  -- "1er" / "1re" as whole words, their ordinal raised: the inlines, or nil when there is none.
  local result, start, position = pandoc.Inlines {}, 1, 1
  while true do
    local from, to = text:find("1[er][er]", position)
    if not from then break end
    local word = text:sub(from, to)
    if (word == "1er" or word == "1re") and not is_word_code(code_before(text, from))
        and not is_word_code(code_at(text, to + 1)) then
      result:insert(pandoc.Str(text:sub(start, from)))
      result:insert(pandoc.Superscript {pandoc.Str(word:sub(2))})
      start = to + 1
    end
    position = from + 1
  end
  if start == 1 then return nil end
  if start <= #text then result:insert(pandoc.Str(text:sub(start))) end
  return result
end

local function inlines_filter(french)
  -- Each element is looked at once (every look crosses from Lua into pandoc, the dear part),
  -- and a list is rebuilt only when it changes.
  return {
    Inlines = function(inlines)
      local count = #inlines
      local kinds, texts = {}, {}
      for index = 1, count do
        local inline = inlines[index]
        local kind = inline.t
        kinds[index] = kind
        if kind == "Str" then texts[index] = inline.text end
      end
      local spaces, ordinal = {}, false
      for index = 2, count - 1 do
        local kind = kinds[index]
        if kind == "Space" or kind == "SoftBreak" then
          spaces[index] = space_between(texts[index - 1], texts[index + 1], french)
        end
      end
      if french then
        for index = 1, count do
          local text = texts[index]
          if text and text:find("1[er][er]") then ordinal = true break end
        end
      end
      if next(spaces) == nil and not ordinal then return nil end
      local out = pandoc.Inlines {}
      for index = 1, count do
        local split = ordinal and texts[index] and ordinals(texts[index])
        if spaces[index] then
          out:insert(pandoc.Str(spaces[index]))
        elseif split then
          out:extend(split)
        else
          out:insert(inlines[index])
        end
      end
      return out
    end,
  }
end

local function is_french(meta)
  local lang = meta.lang and pandoc.utils.stringify(meta.lang) or ""
  return lang:lower():match("^fr") ~= nil
end

-- ---------------------------------------------------------------- contract safety
--
-- Text from content (a clause, an agreement's body) can only say words, the same in every
-- format. pandoc's Markdown reader keeps attributes (`{#id .class key=value}`) on links, spans,
-- divs, headings and code, and links to any target: here every link that does not go to http,
-- https, mailto or one of the document's own anchors becomes its plain words (the same rule as
-- clausier/htmlsafety.py, which `check` and `build` report at the file and line), a link keeps no
-- title, and attributes are dropped but for the allow-list below. So no `onclick`, `style`,
-- `hidden`, class, `custom-style` (DOCX) or `typst:` attribute (PDF) from content reaches an
-- output, and nothing can hide text in one format that another shows. Images are refused.

-- What the project's own markup uses, and why it is kept (nothing else is):
local OWN_DIV_IDS = {
  parties = true,     -- the parties block: templates' preamble, contract.css.html, style.typ
  signatures = true,  -- the signature block: templates' closing, contract.css.html, style.typ
  cover = true,       -- the cover page's key terms (clausier/parts.py): a page break after it
  annexes = true,     -- the annexes (clausier/parts.py): a page break before each one's heading
  ["footer-note"] = true,  -- a template's footer note (clausier/frame.py): small type after the end
}  -- (the redline's legend, `redline-legend`, keeps its id by the redline's key: see OWN_MARK)
-- Headings keep the anchors assembly writes (`# Article 3 — Prix {#art-fees}`): cross-references
-- (`[3](#art-fees)`) and the redline's alignment go to them.
local OWN_HEADING_ID = "^art%-[%w_-]+$"
-- Labelled sub-clauses and items (clausier/outline.py): `## 5.2 Cap {#sub-liability.cap}` and an
-- empty anchor `[]{#sub-liability.cap.fees}` (an anchor shows nothing, so it hides nothing).
local OWN_LABEL_ID = "^sub%-[%w_.-]+$"
-- An annex's heading (`# Schedule A — Pricing {#part-pricing}`, clausier/parts.py): ref() goes to it.
local OWN_PART_ID = "^part%-[%w_-]+$"
-- pandoc's own classes on the links it makes from `<https://…>` and `<name@host>`.
local OWN_LINK_CLASSES = {uri = true, email = true}
-- The redline's own marks (its legend, tracked changes, Word comment) carry this attribute with
-- a random key it gives only to the pandoc it runs (environment CLAUSIER_MARKUP_KEY): such an
-- element keeps its other attributes; content, which cannot know the key, cannot forge one.
local OWN_MARK = "clausier-own"
local MARKUP_KEY = os.getenv("CLAUSIER_MARKUP_KEY")
if not (MARKUP_KEY and #MARKUP_KEY >= 32) then MARKUP_KEY = nil end

local function link_allowed(target)
  if target:find("[%c%s]") then return false end  -- control characters and spaces anywhere
  if target:sub(1, 1) == "#" then return true end
  local lower = target:lower()
  return lower:match("^https?:") ~= nil or lower:match("^mailto:") ~= nil
end

local function own_marked(attr)
  -- The attributes without the redline's mark when it carries the right key, else nil.
  local value = attr.attributes[OWN_MARK]
  if MARKUP_KEY == nil or value ~= MARKUP_KEY then return nil end
  local kept = pandoc.Attr(attr.identifier, attr.classes, {})
  for key, item in pairs(attr.attributes) do
    if key ~= OWN_MARK then kept.attributes[key] = item end
  end
  return kept
end

local function is_bare(attr)
  return attr.identifier == "" and #attr.classes == 0 and #attr.attributes == 0
end

local function cleaned(attr, keep_id, keep_class)
  -- The attributes content may keep: nothing, but what the allow-list names.
  local own = own_marked(attr)
  if own then return own end
  local classes = {}
  if keep_class then
    for _, class in ipairs(attr.classes) do
      if keep_class[class] then classes[#classes + 1] = class end
    end
  end
  return pandoc.Attr(keep_id and keep_id(attr.identifier) and attr.identifier or "", classes, {})
end

local function no_id() return false end
local function own_div_id(id) return OWN_DIV_IDS[id] end
local function own_heading_id(id)
  return id:match(OWN_HEADING_ID) ~= nil or id:match(OWN_LABEL_ID) ~= nil or id:match(OWN_PART_ID) ~= nil
end
local function own_anchor(span)
  return #span.content == 0 and #span.attr.classes == 0 and #span.attr.attributes == 0
      and span.attr.identifier:match(OWN_LABEL_ID) ~= nil
end

local function only_own_id(attr, keep_id)
  -- Nothing to drop (every article heading, the parties and signature blocks): left untouched.
  return #attr.classes == 0 and #attr.attributes == 0 and keep_id(attr.identifier)
end

local SAFETY = {
  Link = function(link)
    if not link_allowed(link.target) then return link.content end
    if link.title ~= "" or not is_bare(link.attr) then
      link.title = ""
      link.attr = cleaned(link.attr, no_id, OWN_LINK_CLASSES)
      return link
    end
  end,
  Span = function(span)
    local own = own_marked(span.attr)
    if own then
      span.attr = own
      return span
    end
    if own_anchor(span) then return nil end  -- a label's anchor: kept as it is
    return span.content  -- a span from content is only its words
  end,
  Code = function(code)
    if not is_bare(code.attr) then
      code.attr = pandoc.Attr()
      return code
    end
  end,
  Image = function()
    error("images are not allowed in contract text", 0)
  end,
  Div = function(div)
    -- Kept as a div (batch.lua reads a div's opening line apart and takes its attributes).
    if not (is_bare(div.attr) or only_own_id(div.attr, own_div_id)) then
      div.attr = cleaned(div.attr, own_div_id)
      return div
    end
  end,
  Header = function(header)
    if not (is_bare(header.attr) or only_own_id(header.attr, own_heading_id)) then
      header.attr = cleaned(header.attr, own_heading_id)
      return header
    end
  end,
  CodeBlock = function(block)
    if not is_bare(block.attr) then
      block.attr = pandoc.Attr()
      return block
    end
  end,
  Table = function(table)
    if not is_bare(table.attr) then
      table.attr = pandoc.Attr()
      return table
    end
  end,
  Figure = function(figure)
    if not is_bare(figure.attr) then
      figure.attr = pandoc.Attr()
      return figure
    end
  end,
}

local function apply(doc)
  -- One walk: the safety functions (elements) run before the typography (inline lists) in
  -- pandoc's typewise traversal, so the spaces are placed around the words a link or span left.
  local filter = inlines_filter(is_french(doc.meta))
  for name, action in pairs(SAFETY) do filter[name] = action end
  return doc:walk(filter)
end

-- What Markdown must contain for the filter to change anything it reads to: a guillemet, a
-- space before high punctuation (maybe escaped), a number, spaces and what may follow them
-- (a digit, a sign, EUR, HT, TTC; the byte classes over-match, which is safe), "1er"/"1re",
-- or an entity (`&#58;` reads as a colon); and for the safety part, whatever can make a link,
-- span or image (`[`, `<`), attributes (`{`), a div (`:::`) or a fenced code block with a class
-- (three backticks or tildes). A text with none of them is left as pandoc read it, so
-- batch.lua skips the walk (a dear one: every inline crosses into Lua) for such texts.
local MAYBE = {"«", "»", "%s\\?[:;!?]", "%d%s+\\?[%d€%%%$£EHT]", "1[er][er]", "&", "[%[<{]", ":::", "```", "~~~"}

local function may_change(text)
  for _, pattern in ipairs(MAYBE) do
    if text:find(pattern) then return true end
  end
  return false
end

-- As a filter file (pandoc --lua-filter), and for batch.lua (`apply`, `may_change`).
return {{Pandoc = apply}, apply = apply, may_change = may_change}
