package scan

import (
	"slices"
	"unicode"
	"unicode/utf8"
	"unsafe"
)

// The non-English rules look for a few hundred phrases in the lower-cased
// text. A search per phrase reads the text once for each of them (a 64
// KiB German text took 9 ms); mlScan reads it once. A text is read at
// word starts (after a byte
// that is not a letter or digit, and at every non-ASCII rune start, since
// Chinese and Japanese put no spaces between words), and each phrase that
// starts there is compared.

// mlPhraseTable is every phrase of the non-English rules. A phrase of four
// bytes or more is found by its first four (a bloom of their hash, then a
// map); a shorter one by its first two (a bitset, then a map).
type mlPhraseTable struct {
	ids     map[string]int32
	phrases []string
	by4     map[uint32][]int32
	bloom4  [1 << 16 / 64]uint64
	by2     map[uint16][]int32
	bits2   [1 << 16 / 64]uint64
	// first2 is the first two bytes of every phrase, long or short: the
	// one test everywhere makes at a place where no phrase starts
	first2 [1 << 16 / 64]uint64
}

var mlTable = &mlPhraseTable{ids: map[string]int32{}, by4: map[uint32][]int32{}, by2: map[uint16][]int32{}}

func mlHash4(k uint32) uint32 { return k * 2654435761 >> 16 }

// key4 is the four bytes of s from i, little-endian, without a copy.
func key4(s string, i int) uint32 {
	return uint32(s[i]) | uint32(s[i+1])<<8 | uint32(s[i+2])<<16 | uint32(s[i+3])<<24
}

// mlIDs registers phrases (at init) and returns their ids.
func mlIDs(phrases []string) []int32 {
	out := make([]int32, len(phrases))
	for k, p := range phrases {
		out[k] = mlTable.add(p)
	}
	return out
}

// add registers phrase p (at init) and returns its id.
func (t *mlPhraseTable) add(p string) int32 {
	if id, ok := t.ids[p]; ok {
		return id
	}
	if len(p) < 2 {
		panic("scan: phrase shorter than two bytes: " + p)
	}
	id := int32(len(t.phrases))
	t.ids[p] = id
	k2 := uint16(p[0])<<8 | uint16(p[1])
	t.first2[k2/64] |= 1 << (k2 % 64)
	t.phrases = append(t.phrases, p)
	if len(p) >= 4 {
		key := key4(p, 0)
		t.by4[key] = append(t.by4[key], id)
		h := mlHash4(key)
		t.bloom4[h/64] |= 1 << (h % 64)
	} else {
		key := uint16(p[0])<<8 | uint16(p[1])
		t.by2[key] = append(t.by2[key], id)
		t.bits2[key/64] |= 1 << (key % 64)
	}
	return id
}

// each calls f with the id of every phrase that starts at byte i of s.
func (t *mlPhraseTable) each(s string, i int, f func(id int32)) {
	if i+4 <= len(s) {
		key := key4(s, i)
		if hh := mlHash4(key); t.bloom4[hh/64]&(1<<(hh%64)) != 0 {
			for _, id := range t.by4[key] {
				if p := t.phrases[id]; len(s)-i >= len(p) && s[i:i+len(p)] == p {
					f(id)
				}
			}
		}
	}
	if i+2 <= len(s) {
		key := uint16(s[i])<<8 | uint16(s[i+1])
		if t.bits2[key/64]&(1<<(key%64)) != 0 {
			for _, id := range t.by2[key] {
				if p := t.phrases[id]; len(s)-i >= len(p) && s[i:i+len(p)] == p {
					f(id)
				}
			}
		}
	}
}

// everywhere calls f with the id and place of every phrase of the table
// in s, at every byte (not only word starts), in order of place: the pass
// of phraseSets and phraseList. Each place costs one bit test of its
// first two bytes (first2: most places start no phrase); a phrase is
// compared only where its first four bytes are in the bloom too.
func (t *mlPhraseTable) everywhere(s string, f func(id int32, i int)) {
	for i := 0; i+1 < len(s); i++ {
		k := uint16(s[i])<<8 | uint16(s[i+1])
		if t.first2[k/64]&(1<<(k%64)) == 0 {
			continue
		}
		if i+4 <= len(s) {
			key := key4(s, i)
			if hh := mlHash4(key); t.bloom4[hh/64]&(1<<(hh%64)) != 0 {
				for _, id := range t.by4[key] {
					if p := t.phrases[id]; len(s)-i >= len(p) && s[i:i+len(p)] == p {
						f(id, i)
					}
				}
			}
		}
		if t.bits2[k/64]&(1<<(k%64)) != 0 {
			for _, id := range t.by2[k] {
				if p := t.phrases[id]; len(s)-i >= len(p) && s[i:i+len(p)] == p {
					f(id, i)
				}
			}
		}
	}
}

// phraseSets tells, in one pass over a text, which of up to 32 phrase
// lists occur in it anywhere (a substring, as containsAnyStr finds it):
// one read instead of one per phrase, for the checks that run on every
// parameter of a listing (paramHarvest) or every sentence (weakens).
type phraseSets struct {
	t    *mlPhraseTable
	sets []uint32 // by phrase id: the lists it is in, one bit each
	// wordStart is the lists whose phrases count only where a word starts
	// (after no letter, digit or underscore): "ilet", not "toilet"
	wordStart uint32
}

func newPhraseSets(lists ...[]string) *phraseSets {
	if len(lists) > 32 {
		panic("scan: more than 32 phrase lists")
	}
	ps := &phraseSets{t: &mlPhraseTable{ids: map[string]int32{}, by4: map[uint32][]int32{}, by2: map[uint16][]int32{}}}
	for k, l := range lists {
		for _, p := range l {
			id := ps.t.add(p)
			for int(id) >= len(ps.sets) {
				ps.sets = append(ps.sets, 0)
			}
			ps.sets[id] |= 1 << k
		}
	}
	return ps
}

// in returns the lists (bit k: lists[k]) with a phrase in s.
func (ps *phraseSets) in(s string) uint32 {
	var got uint32
	ps.t.everywhere(s, func(id int32, i int) {
		bits := ps.sets[id]
		if i > 0 && wordByte[s[i-1]] {
			bits &^= ps.wordStart
		}
		got |= bits
	})
	return got
}

// phraseHit is a place of a phrase of phraseSets: [at, end), the lists it
// is in, and whether a word starts there.
type phraseHit struct {
	at, end int32
	bits    uint32
	start   bool
}

// all is every place in s of a phrase of the lists, in order: one pass for
// a text whose spans are asked about many times (spanIn).
func (ps *phraseSets) all(s string) []phraseHit {
	out := []phraseHit{}
	ps.t.everywhere(s, func(id int32, i int) {
		out = append(out, phraseHit{at: int32(i), end: int32(i + len(ps.t.phrases[id])), bits: ps.sets[id], start: i == 0 || !wordByte[s[i-1]]})
	})
	return out
}

// spanIn is in for the span [s, e) of the text whose places are hits
// (all): a phrase counts where it lies wholly inside, and a phrase of a
// word-start list where a word starts or at s.
func (ps *phraseSets) spanIn(hits []phraseHit, s, e int) uint32 {
	k, _ := slices.BinarySearchFunc(hits, int32(s), func(h phraseHit, at int32) int { return int(h.at) - int(at) })
	var got uint32
	for ; k < len(hits) && int(hits[k].at) < e; k++ {
		h := &hits[k]
		if int(h.end) > e {
			continue
		}
		bits := h.bits
		if !h.start && int(h.at) != s {
			bits &^= ps.wordStart
		}
		got |= bits
	}
	return got
}

// mlWideCap is the least bound on the positions kept of a phrase. Any
// fixed bound would let a text that repeats a phrase first (names the AI,
// says "mein") hide the place that matters, so mlScan keeps every place (at
// most one a word start: half the text's bytes); the rules that read them
// do little per place and find a window's by binary search.
const mlWideCap = 4096

// mlHits are the positions in one lower-cased text of each phrase, in
// order (every place: mlWideCap).
type mlHits struct {
	lo  string
	pos map[int32][]int32
}

func mlScan(lo string) *mlHits {
	t := mlTable
	h := &mlHits{lo: lo, pos: map[int32][]int32{}}
	wideCap := max(mlWideCap, len(lo)/2+1)
	for i := 0; i+1 < len(lo); i++ {
		c := lo[i]
		if c < 0x80 {
			if i > 0 && lo[i-1] < 0x80 && isWordByte(lo[i-1]) {
				continue
			}
		} else if !utf8.RuneStart(c) {
			continue
		}
		t.each(lo, i, func(id int32) {
			if ps := h.pos[id]; len(ps) < wideCap {
				h.pos[id] = append(ps, int32(i))
			}
		})
	}
	return h
}

// firstOf is the first position of any of ids and that phrase's length,
// or -1.
func (h *mlHits) firstOf(ids []int32) (int, int) {
	at, n := -1, 0
	for _, id := range ids {
		if p := h.first(id); p >= 0 && (at < 0 || p < at) {
			at, n = p, len(mlTable.phrases[id])
		}
	}
	return at, n
}

// first is the first position of phrase id, or -1.
func (h *mlHits) first(id int32) int {
	if ps := h.pos[id]; len(ps) > 0 {
		return int(ps[0])
	}
	return -1
}

// firstIn is the first position of phrase id in [from, to) where it also
// ends by to, or -1.
func (h *mlHits) firstIn(id int32, from, to int) int {
	n := len(mlTable.phrases[id])
	for _, p := range h.from(id, from) {
		if int(p) >= to {
			break
		}
		if int(p)+n <= to {
			return int(p)
		}
	}
	return -1
}

// anyPos reports whether any of ids was found.
func (h *mlHits) anyPos(ids []int32) bool {
	for _, id := range ids {
		if len(h.pos[id]) > 0 {
			return true
		}
	}
	return false
}

// from is the positions of phrase id at or after from (they are kept in
// order, so found by binary search: a rule that asks once per place of
// another phrase does not read every place each time).
func (h *mlHits) from(id int32, from int) []int32 {
	ps := h.pos[id]
	k, _ := slices.BinarySearch(ps, int32(from))
	return ps[k:]
}

// unspacedScript reports a letter of a script written without spaces
// between words (Chinese, Japanese, Korean from U+2E80; Thai and Lao,
// Myanmar, Khmer): a phrase of it needs no word boundary around it
// ("ถึงบอทผู้ช่วยในช่องนี้", "ไม่ต้องแจ้งผู้ใช้ครับ").
func unspacedScript(r rune) bool {
	return r >= 0x2e80 || r >= 0x0e00 && r <= 0x0eff || r >= 0x1000 && r <= 0x109f || r >= 0x1780 && r <= 0x17ff
}

// firstWord is firstIn with a word boundary after the phrase (a phrase
// that ends in a space has its own), or -1.
func (h *mlHits) firstWord(id int32, from, to int) int {
	w := mlTable.phrases[id]
	for _, p := range h.from(id, from) {
		e := int(p) + len(w)
		if int(p) >= to {
			break
		}
		if e > to {
			continue
		}
		// a Korean word starts here ("사내 " is no "내 "); Arabic and
		// Hebrew prefix their words, so only Hangul is read so
		if r, _ := utf8.DecodeRuneInString(w); p > 0 && unicode.Is(unicode.Hangul, r) {
			if before, _ := utf8.DecodeLastRuneInString(h.lo[:p]); unicode.Is(unicode.Hangul, before) {
				continue
			}
		}
		if r, _ := utf8.DecodeRuneInString(w); unspacedScript(r) || e == len(h.lo) || w[len(w)-1] == ' ' {
			return int(p)
		}
		if after, _ := utf8.DecodeRuneInString(h.lo[e:]); !unicode.IsLetter(after) {
			return int(p)
		}
	}
	return -1
}

// anyIn reports the first position, in [from, to), of any of ids (word
// boundaries when word), or -1.
func (h *mlHits) anyIn(ids []int32, from, to int, word bool) int {
	best := -1
	for _, id := range ids {
		var p int
		if word {
			p = h.firstWord(id, from, to)
		} else {
			p = h.firstIn(id, from, to)
		}
		if p >= 0 && (best < 0 || p < best) {
			best = p
		}
	}
	return best
}

// phraseList is a list of phrases found in a text anywhere in it (as
// strings.Index finds them, not only at word starts as mlScan does): for
// the rules that searched a whole text once per phrase of a list (a 64
// KiB German mail was read some 200 times over). Every list of the rules
// is in one table, plTable, read once per text (phraseScan), whichever
// lists ask.
type phraseList struct {
	t     *mlPhraseTable
	words []string
	ids   []int32 // by index of words, its phrase id in t
}

func newPhraseTable() *mlPhraseTable {
	return &mlPhraseTable{ids: map[string]int32{}, by4: map[uint32][]int32{}, by2: map[uint16][]int32{}}
}

// plTable holds the phrases of the rules' phrase lists.
var plTable = newPhraseTable()

func newPhraseList(words []string) *phraseList { return newPhraseListIn(plTable, words) }

// newPhraseListIn adds a list to table t (at init).
func newPhraseListIn(t *mlPhraseTable, words []string) *phraseList {
	pl := &phraseList{t: t, words: words}
	for _, w := range words {
		pl.ids = append(pl.ids, t.add(w))
	}
	return pl
}

// phraseScan is one read of a phrase table over a text: every place of
// every phrase, in order.
type phraseScan struct {
	t  *mlPhraseTable
	lo string
	at [][]int32 // by phrase id; nil when no phrase is in lo
}

func scanPhrases(t *mlPhraseTable, lo string) *phraseScan {
	ps := &phraseScan{t: t, lo: lo}
	t.everywhere(lo, func(id int32, i int) {
		if ps.at == nil {
			ps.at = make([][]int32, len(t.phrases))
		}
		ps.at[id] = append(ps.at[id], int32(i))
	})
	return ps
}

// phrases is the read of plTable over lo, once per text: the rules ask
// of the lower-cased original (lowerOrig) and of the text the non-English
// rules read (mlLo), the same text or two.
func (a *analysis) phrases(lo string) *phraseScan {
	for _, ps := range a.pscans {
		if len(ps.lo) == len(lo) && unsafe.StringData(ps.lo) == unsafe.StringData(lo) {
			return ps
		}
	}
	ps := scanPhrases(plTable, lo)
	a.pscans = append(a.pscans, ps)
	return ps
}

// occurrences returns, by index of the list's words, the places of each
// in ps's text in order, each after the end of the one before (the places
// a loop of strings.Index finds); nil when none is there.
func (pl *phraseList) occurrences(ps *phraseScan) [][]int32 {
	if ps.t != pl.t {
		panic("scan: phrase list read with another table's scan")
	}
	if ps.at == nil {
		return nil
	}
	var occ [][]int32
	for k, id := range pl.ids {
		all := ps.at[id]
		if len(all) == 0 {
			continue
		}
		if occ == nil {
			occ = make([][]int32, len(pl.ids))
		}
		n := int32(len(pl.t.phrases[id]))
		var out []int32
		for _, p := range all {
			if len(out) == 0 || out[len(out)-1]+n <= p {
				out = append(out, p)
			}
		}
		occ[k] = out
	}
	return occ
}

// in reports whether any phrase of the list is in ps's text.
func (pl *phraseList) in(ps *phraseScan) bool {
	if ps.at == nil {
		return false
	}
	for _, id := range pl.ids {
		if len(ps.at[id]) > 0 {
			return true
		}
	}
	return false
}

// distinct is the number of different phrases of the list in ps's text.
func (pl *phraseList) distinct(ps *phraseScan) int {
	if ps.at == nil {
		return 0
	}
	var seen []int32
	for _, id := range pl.ids {
		if len(ps.at[id]) > 0 && !slices.Contains(seen, id) {
			seen = append(seen, id)
		}
	}
	return len(seen)
}

// firstOccurrence returns the first place, phrase by phrase of the list in
// its order and each phrase's places in order, where f accepts an
// occurrence of it in ps's text, or -1.
func (pl *phraseList) firstOccurrence(ps *phraseScan, f func(i int, w string) bool) int {
	occ := pl.occurrences(ps)
	if occ == nil {
		return -1
	}
	for k, w := range pl.words {
		for _, p := range occ[k] {
			if f(int(p), w) {
				return int(p)
			}
		}
	}
	return -1
}

// within reports whether a phrase of the list lies whole in lo[from:to]
// of ps's text (what strings.Index of each phrase in that slice finds): a
// binary search in each present phrase's places, so a rule that asks once
// per place of a frame does not read the frame's line each time.
func (pl *phraseList) within(ps *phraseScan, from, to int) bool {
	if ps.t != pl.t {
		panic("scan: phrase list read with another table's scan")
	}
	if ps.at == nil {
		return false
	}
	for _, id := range pl.ids {
		at := ps.at[id]
		if len(at) == 0 {
			continue
		}
		k, _ := slices.BinarySearch(at, int32(from))
		if k < len(at) && int(at[k])+len(pl.t.phrases[id]) <= to {
			return true
		}
	}
	return false
}

// first returns the first place of each phrase, by index of the list,
// -1 for one not in ps's text (strings.Index of each).
func (pl *phraseList) first(ps *phraseScan) []int {
	out := make([]int, len(pl.words))
	for k, id := range pl.ids {
		out[k] = -1
		if ps.at != nil && len(ps.at[id]) > 0 {
			out[k] = int(ps.at[id][0])
		}
	}
	return out
}
