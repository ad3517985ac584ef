-- SPDX-License-Identifier: GPL-2.0
-- pandoc Lua filter for make man (docs/*.md to man pages): what pandoc's gfm reader cannot know.
--
-- Tables: the gfm reader gives every column the default width, which the man writer leaves to
-- tbl, and tbl gives each text block a third of the line in a two-column table: docs/events.md's
-- field table became a column of a few words per line, with "cannot adjust line" warnings. A
-- table too wide for a line gets widths for an 80-column terminal instead: each column its
-- longest word, the rest of the line shared in proportion to the columns' average cell length.
-- (pandoc's own markdown reads widths from the delimiter row; GitHub's markdown has none.)
--
-- SYNOPSIS: a code block there has one synopsis per line, most longer than a terminal. Each line
-- becomes a .SY synopsis, filled with a hanging indent, never broken inside [...] or <...>.
--
-- Hyphens: with -M hyphenate=false (make man), no line breaks at a hyphen, whether troff would
-- add it (hyphenation: also after a synopsis, where .YS turns it back on) or the text has it (an
-- option such as --label-prefix or a path is never split in two: .cflags).
local TEXT = 71 -- characters of text in a man page on an 80-column terminal (78 less the indent)
local GAP = 3 -- tbl's space between two columns
local UNIT = 70 -- the man writer sets a column of relative width w to w * 70n

function Table(t)
	local n = #t.colspecs
	local long, word, sum, count = {}, {}, {}, {}
	for i = 1, n do
		long[i], word[i], sum[i], count[i] = 0, 0, 0, 0
	end
	local function rows(list)
		for _, r in ipairs(list) do
			for i, c in ipairs(r.cells) do
				local s = pandoc.utils.stringify(c.contents)
				long[i] = math.max(long[i], #s)
				sum[i], count[i] = sum[i] + #s, count[i] + 1
				for w in s:gmatch("%S+") do
					word[i] = math.max(word[i], #w)
				end
			end
		end
	end
	rows(t.head.rows)
	for _, b in ipairs(t.bodies) do
		rows(b.head)
		rows(b.body)
	end
	local room = TEXT - GAP * (n - 1) - 1
	local natural, need, avg = 0, 0, 0
	for i = 1, n do
		natural = natural + long[i]
		need = need + word[i]
		avg = avg + sum[i] / math.max(count[i], 1)
	end
	if natural <= room or need >= room then
		return nil -- fits on a line as it is, or cannot fit whatever the widths
	end
	for i = 1, n do
		local chars = word[i] + (room - need) * (sum[i] / math.max(count[i], 1)) / avg
		t.colspecs[i] = { t.colspecs[i][1], chars / UNIT }
	end
	return t
end

-- Text for a roff text line: escapes, and \~ (a space no line break) inside [...] and <...>.
local function roff(s)
	local out, depth = {}, 0
	for c in s:gmatch(".") do
		if c == "[" or c == "<" then
			depth = depth + 1
		elseif (c == "]" or c == ">") and depth > 0 then
			depth = depth - 1
		end
		if c == "\\" then
			c = "\\e"
		elseif c == " " and depth > 0 then
			c = "\\~"
		end
		out[#out + 1] = c
	end
	local r = table.concat(out)
	return r:match("^[.']") and "\\&" .. r or r
end

local function synopsis(code, hyphenate)
	local out = {}
	for line in code:gmatch("[^\n]+") do
		line = line:gsub("%s+", " "):gsub("^ ", ""):gsub(" $", "")
		local cmd, rest = line:match("^(%S+) ?(.*)$")
		if cmd then
			out[#out + 1] = '.SY "' .. roff(cmd):gsub('"', '\\(dq') .. '"'
			if rest ~= "" then
				out[#out + 1] = roff(rest)
			end
		end
	end
	out[#out + 1] = ".YS"
	if not hyphenate then
		out[#out + 1] = ".nh"
	end
	return pandoc.RawBlock("man", table.concat(out, "\n"))
end

function Pandoc(doc)
	local hyphenate = doc.meta.hyphenate ~= false
	local level -- of the SYNOPSIS heading, while in that section
	for i, b in ipairs(doc.blocks) do
		if b.t == "Header" then
			if pandoc.utils.stringify(b.content) == "SYNOPSIS" then
				level = b.level
			elseif level and b.level <= level then
				level = nil
			end
		elseif level and b.t == "CodeBlock" then
			doc.blocks[i] = synopsis(b.text, hyphenate)
		end
	end
	if not hyphenate then
		doc.blocks:insert(1, pandoc.RawBlock("man", ".cflags 0 -"))
	end
	return doc
end
