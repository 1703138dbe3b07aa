-- Tracked changes (clausier diff, DOCX): the spaces that belong to a change go inside its
-- revision, so that Accept all gives the new text and Reject all the old one, word for word.
-- pandoc's Markdown reader trims the spaces at the edges of a span; the redline writes them as
-- the span's attributes `lead` and `trail` and this filter puts them back, as the space
-- typography.lua would have put there in the text on that side (« Le, prix : …).
-- It runs after typography.lua, which unwraps every span content wrote: a span still here,
-- with the class insertion or deletion, is the redline's own.

local typography = dofile(PANDOC_SCRIPT_FILE:gsub("redline%.lua$", "typography.lua"))
local meta = nil

local function kind(inline)
  if inline and inline.t == "Span" then
    if inline.classes:includes("insertion") then return "insertion" end
    if inline.classes:includes("deletion") then return "deletion" end
  end
  return nil
end

local function text_of(inline, last)
  -- The text next to a space: a Str, or the Str at the edge of a span's words.
  if inline == nil then return "" end
  if inline.t == "Str" then return inline.text end
  if inline.t == "Span" and #inline.content > 0 then
    return text_of(inline.content[last and #inline.content or 1], last)
  end
  return ""
end

local function neighbour(inlines, index, step, skipped)
  -- The text beside inlines[index] on one side, as that side reads it (the other side's
  -- revisions are not there).
  local at = index + step
  while inlines[at] and kind(inlines[at]) == skipped do at = at + step end
  return text_of(inlines[at], step < 0)
end

local function space(before, after)
  -- The space typography.lua puts between these two texts: ordinary or no-break.
  local doc = typography.apply(pandoc.Pandoc({pandoc.Para {pandoc.Str(before), pandoc.Space(), pandoc.Str(after)}}, meta))
  local middle = doc.blocks[1].content[2]
  if middle and middle.t == "Str" then return pandoc.Str(middle.text) end
  return pandoc.Space()
end

local function edges(inlines)
  local changed = false
  for index, inline in ipairs(inlines) do
    local own = kind(inline)
    if own and (inline.attributes.lead or inline.attributes.trail) then  -- edge spaces first
      local other = own == "insertion" and "deletion" or "insertion"
      local lead, trail = inline.attributes.lead, inline.attributes.trail
      inline.attributes.lead = nil
      inline.attributes.trail = nil
      local first, last = text_of(inline, false), text_of(inline, true)
      if lead then inline.content:insert(1, space(neighbour(inlines, index, -1, other), first)) end
      if trail then inline.content:insert(space(last, neighbour(inlines, index, 1, other))) end
      changed = true
    end
  end
  -- A space both sides share, beside a revision, may read differently on each side ("prononce
  -- [:] la": a no-break space before the colon only when it is accepted): then it is a revision
  -- too, the old space deleted and the new one inserted.
  local out = pandoc.Inlines {}
  for index, inline in ipairs(inlines) do
    local beside = kind(inlines[index - 1]) and inlines[index - 1] or (kind(inlines[index + 1]) and inlines[index + 1])
    if beside and (inline.t == "Space" or inline.t == "SoftBreak") then
      local new = space(neighbour(inlines, index, -1, "deletion"), neighbour(inlines, index, 1, "deletion"))
      local old = space(neighbour(inlines, index, -1, "insertion"), neighbour(inlines, index, 1, "insertion"))
      local attributes = {}
      for key, value in pairs(beside.attributes) do attributes[key] = value end
      if new.t == old.t and (new.t == "Space" or new.text == old.text) then
        out:insert(new.t == "Space" and inline or new)
      else
        out:insert(pandoc.Span({old}, pandoc.Attr("", {"deletion"}, attributes)))
        out:insert(pandoc.Span({new}, pandoc.Attr("", {"insertion"}, attributes)))
      end
      changed = true
    else
      out:insert(inline)
    end
  end
  if changed then return out end
  return nil
end

return {{Pandoc = function(doc)
  meta = doc.meta
  return doc:walk({Inlines = edges})
end}}
