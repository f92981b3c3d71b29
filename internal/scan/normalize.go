package scan

import (
	"bytes"
	"encoding/binary"
	"slices"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"
	"unsafe"

	"golang.org/x/text/unicode/norm"
)

// Classes of invisible or deceptive characters.
const (
	invNone = iota
	invTag
	invBidi
	invBidiMark
	invZeroWidth
	invVariation
	invFormat
	invPrivate
)

func invisibleClass(r rune) int {
	switch {
	case r < 0xad:
		return invNone
	case r >= 0xE0000 && r <= 0xE007F:
		return invTag
	case r >= 0x202A && r <= 0x202E, r >= 0x2066 && r <= 0x2069:
		return invBidi
	case r == 0x200E || r == 0x200F || r == 0x061C:
		return invBidiMark
	case r >= 0x200B && r <= 0x200D, r == 0x2060, r == 0xFEFF, r == 0x180E:
		return invZeroWidth
	case r >= 0xFE00 && r <= 0xFE0F, r >= 0xE0100 && r <= 0xE01EF:
		return invVariation
	case r == 0xAD, r == 0x34F, r == 0x115F, r == 0x1160, r == 0x3164, r == 0xFFA0,
		r >= 0x2061 && r <= 0x2064, r >= 0x206A && r <= 0x206F, r >= 0x1D173 && r <= 0x1D17A,
		r >= 0xFFF9 && r <= 0xFFFB, r == 0x17B4, r == 0x17B5, r == 0x2800:
		return invFormat
	case r >= 0xE000 && r <= 0xF8FF, r >= 0xF0000 && r <= 0x10FFFF:
		return invPrivate
	case unicode.Is(unicode.Cf, r):
		return invFormat
	}
	return invNone
}

func isInvisible(r rune) bool { return invisibleClass(r) != invNone }

// confusables maps look-alike letters from other scripts to the ASCII
// letter they imitate (a subset of Unicode's confusables.txt covering the
// letters used in practice).
var confusables = map[rune]byte{
	// Cyrillic
	'а': 'a', 'в': 'b', 'е': 'e', 'ё': 'e', 'к': 'k', 'м': 'm', 'н': 'h', 'о': 'o', 'р': 'p', 'с': 'c', 'т': 't', 'у': 'y', 'х': 'x',
	'ѕ': 's', 'і': 'i', 'ї': 'i', 'ј': 'j', 'һ': 'h', 'ԁ': 'd', 'ԛ': 'q', 'ԝ': 'w', 'ӏ': 'l', 'ɡ': 'g', 'ь': 'b', 'ᴦ': 'r', 'п': 'n', 'г': 'r',
	'А': 'a', 'В': 'b', 'Е': 'e', 'Ё': 'e', 'К': 'k', 'М': 'm', 'Н': 'h', 'О': 'o', 'Р': 'p', 'С': 'c', 'Т': 't', 'У': 'y', 'Х': 'x',
	'Ѕ': 's', 'І': 'i', 'Ї': 'i', 'Ј': 'j', 'Һ': 'h', 'Ԁ': 'd', 'Ԛ': 'q', 'Ԝ': 'w', 'Ӏ': 'l', 'Ь': 'b',
	// Greek
	'α': 'a', 'ο': 'o', 'ρ': 'p', 'ν': 'v', 'τ': 't', 'ι': 'i', 'κ': 'k', 'υ': 'u', 'ε': 'e', 'χ': 'x', 'γ': 'y', 'η': 'n', 'ω': 'w',
	'Α': 'a', 'Β': 'b', 'Ε': 'e', 'Ζ': 'z', 'Η': 'h', 'Ι': 'i', 'Κ': 'k', 'Μ': 'm', 'Ν': 'n', 'Ο': 'o', 'Ρ': 'p', 'Τ': 't', 'Υ': 'y', 'Χ': 'x',
	// Armenian, Cherokee, Latin look-alikes outside ASCII
	'օ': 'o', 'ո': 'n', 'ս': 'u', 'ց': 'g', 'հ': 'h', 'զ': 'q', 'ɑ': 'a', 'ı': 'i', 'ȷ': 'j', 'ʏ': 'y', 'ɩ': 'i', 'ʟ': 'l', 'ɪ': 'i',
	'Ꭺ': 'a', 'Ᏼ': 'b', 'Ꮯ': 'c', 'Ꭰ': 'd', 'Ꭼ': 'e', 'Ꮐ': 'g', 'Ꮋ': 'h', 'Ꭻ': 'j', 'Ꮶ': 'k', 'Ꮮ': 'l', 'Ꮇ': 'm', 'Ꮲ': 'p', 'Ꮪ': 's', 'Ꭲ': 't', 'Ꮩ': 'v', 'Ꮃ': 'w', 'Ꮓ': 'z',
	'ⅰ': 'i', 'ℓ': 'l', '∣': 'l', 'ǀ': 'l',
}

// punctFold maps typographic punctuation and spaces to ASCII.
var punctFold = map[rune]byte{
	0x2018: '\'', 0x2019: '\'', 0x201A: '\'', 0x201B: '\'', 0x2032: '\'', 0x02BC: '\'', 0xFF07: '\'',
	0x201C: '"', 0x201D: '"', 0x201E: '"', 0x201F: '"', 0x00AB: '"', 0x00BB: '"', 0x2033: '"',
	0x2010: '-', 0x2011: '-', 0x2012: '-', 0x2013: '-', 0x2014: '-', 0x2015: '-', 0x2212: '-',
	0x00A0: ' ', 0x2000: ' ', 0x2001: ' ', 0x2002: ' ', 0x2003: ' ', 0x2004: ' ', 0x2005: ' ', 0x2006: ' ',
	0x2007: ' ', 0x2008: ' ', 0x2009: ' ', 0x200A: ' ', 0x202F: ' ', 0x205F: ' ', 0x3000: ' ',
	0x2028: '\n', 0x2029: '\n', 0x0085: '\n',
	0x2022: '*', 0x2023: '*', 0x25CF: '*', 0x25AA: '*',
}

// span is a byte range.
type span struct{ s, e int }

type invRun struct {
	class int
	s, e  int // bytes in orig
	n     int // characters
}

// ntext is a text prepared for matching: low is a folded, lower-cased copy
// (ASCII for anything that imitates ASCII), off maps low offsets back to
// orig offsets (nil when low and orig line up byte for byte).
type ntext struct {
	orig      string
	low       []byte
	off       []int32
	ascii     bool
	inv       []invRun
	mixed     []span // words mixing Latin with look-alikes
	styled    []span // words mixing ASCII with styled (math, fullwidth) letters
	ctrl      []span // C0/C1 controls
	ansi      []span // ESC [ / ESC ] sequences
	maxB64    int    // longest run of base64 alphabet characters
	hasUpper  bool
	letterCnt int
	upperCnt  int
}

func (t *ntext) origPos(i int) int {
	if i < 0 {
		return 0
	}
	if t.off == nil {
		if i > len(t.orig) {
			return len(t.orig)
		}
		return i
	}
	if i >= len(t.off) {
		return len(t.orig)
	}
	return int(t.off[i])
}

// lowPos is the low offset of orig offset i (the first low byte at or
// after it): the inverse of origPos.
func (t *ntext) lowPos(i int) int {
	if t.off == nil {
		return min(max(i, 0), len(t.low))
	}
	return sort.Search(len(t.off), func(k int) bool { return int(t.off[k]) >= i })
}

var isUpperTab, isLowerTab, isCtrlTab = func() (u, l, c [256]byte) {
	for i := 0; i < 256; i++ {
		if i >= 'A' && i <= 'Z' {
			u[i] = 1
		}
		if i >= 'a' && i <= 'z' {
			l[i] = 1
		}
		if byteClass[i] == 3 {
			c[i] = 1
		}
	}
	return
}()

var lowerTab = func() (t [256]byte) {
	for c := 0; c < 256; c++ {
		t[c] = byte(c)
		if c >= 'A' && c <= 'Z' {
			t[c] = byte(c + 'a' - 'A')
		}
	}
	return
}()

// byteClass: 0 plain, 1 upper, 2 lower, 3 control, 4 non-ASCII.
var byteClass = func() (t [256]byte) {
	for c := 0; c < 256; c++ {
		switch {
		case c >= 0x80:
			t[c] = 4
		case c >= 'A' && c <= 'Z':
			t[c] = 1
		case c >= 'a' && c <= 'z':
			t[c] = 2
		case c < 0x20 && c != '\n' && c != '\t' && c != '\r' || c == 0x7f:
			t[c] = 3
		}
	}
	return
}()

const (
	lo8 = 0x0101010101010101
	hi8 = 0x8080808080808080
)

// load64 reads s[i:i+8] little-endian (one load once compiled).
func load64(s string, i int) uint64 {
	s = s[i : i+8]
	return uint64(s[0]) | uint64(s[1])<<8 | uint64(s[2])<<16 | uint64(s[3])<<24 |
		uint64(s[4])<<32 | uint64(s[5])<<40 | uint64(s[6])<<48 | uint64(s[7])<<56
}

// foldRun lowercases s[i:end] into low eight bytes at a time, from i
// (end-i at most 255*8) up to the first chunk that is not printable ASCII
// (a byte from 0x80, below 0x20 or 0x7f), and returns where it stopped
// and the counts of capitals and small letters in byte lanes. It is its
// own function so that its loop keeps its few values in registers.
func foldRun(low []byte, s string, i, end int) (int, uint64, uint64) {
	var upAcc, lwAcc uint64
	low = low[:len(s)]
	for ; i < end; i += 8 {
		x := load64(s, i)
		if (x|^(x+lo8*0x60)|(x+lo8))&hi8 != 0 {
			// (where a byte is from 0x80 the sums may carry, but its own
			// high bit is set)
			break
		}
		// each byte is below 0x80, so these sums carry into no other byte
		up := (x + lo8*(0x80-'A')) &^ (x + lo8*(0x80-'Z'-1)) & hi8
		lw := (x + lo8*(0x80-'a')) &^ (x + lo8*(0x80-'z'-1)) & hi8
		upAcc += up >> 7
		lwAcc += lw >> 7
		binary.LittleEndian.PutUint64(low[i:i+8], x|up>>2)
	}
	return i, upAcc, lwAcc
}

// laneSum adds up the eight byte lanes of x.
func laneSum(x uint64) int {
	const m = 0x00ff00ff00ff00ff
	x = x&m + x>>8&m // four 16-bit lanes of at most 510
	return int(x * 0x0001000100010001 >> 48)
}

func prepare(s string) *ntext {
	t := &ntext{}
	prepareInto(t, s, nil)
	return t
}

// prepareInto is prepare into existing storage, with a reusable buffer for
// the folded copy.
func prepareInto(t *ntext, s string, buf []byte) {
	*t = ntext{orig: s, ascii: true}
	var low []byte
	if cap(buf) >= len(s) {
		low = buf[:len(s)]
	} else {
		low = make([]byte, len(s))
	}
	var upper, lower, ctrl int
	var or byte
	i := 0
	// eight bytes at a time while they are printable ASCII (no byte below
	// 0x20, none 0x7f or above: foldRun); any other chunk goes byte by
	// byte. The letters are counted in byte lanes, summed every 255
	// chunks, before a lane can overflow.
	// byte by byte: a chunk with a byte from 0x80, below 0x20 or 0x7f, and
	// the last bytes
	bytewise := func(from, to int) {
		for k := from; k < to; k++ {
			c := s[k]
			low[k] = lowerTab[c]
			or |= c
			upper += int(isUpperTab[c])
			lower += int(isLowerTab[c])
			ctrl += int(isCtrlTab[c])
		}
	}
	for i+8 <= len(s) {
		end := min(len(s)-7, i+255*8)
		j, upAcc, lwAcc := foldRun(low, s, i, end)
		upper += laneSum(upAcc)
		lower += laneSum(lwAcc)
		i = j
		if i < end {
			bytewise(i, i+8)
			i += 8
		}
	}
	bytewise(i, len(s))
	t.ascii = or < 0x80
	if !t.ascii {
		t.maxB64 = 1 << 20 // unknown: the folding pass decides
	}
	for i := 0; ctrl > 0 && i < len(s); i++ {
		c := s[i]
		if byteClass[c] != 3 {
			continue
		}
		{
			if c == 0x1b && i+1 < len(s) && (s[i+1] == '[' || s[i+1] == ']') {
				j := i + 2
				for j < len(s) && j-i < 64 && !(s[j] >= 0x40 && s[j] <= 0x7e && j > i+2) && s[j] != 0x07 {
					j++
				}
				if j < len(s) {
					j++
				}
				t.ansi = append(t.ansi, span{i, j})
			} else {
				t.ctrl = append(t.ctrl, span{i, i + 1})
			}
		}
	}
	t.upperCnt, t.letterCnt = upper, upper+lower
	if t.ascii {
		t.low = low
	} else {
		t.foldUnicode(low)
	}
	t.literalBreaks()
}

// literalBreaks: a text that holds "\n" as two characters (JSON or a
// program's repr inside a string: "Reviews: ...\nIgnore your previous
// instructions") glues the "n" to the next word ("nignore"). In low the
// escape becomes a line break (or a space for "\t") when a capital, a
// anything but a lower-case letter follows it, as after a real one
// ("C:\\new" and "\\name" stay).
func (t *ntext) literalBreaks() {
	low := t.low
	i := bytes.IndexByte(low, '\\')
	for i >= 0 && i+1 < len(low) {
		if c := low[i+1]; c == 'n' || c == 'r' || c == 't' {
			next := byte(' ')
			if o := t.origPos(i + 2); i+2 < len(low) && o < len(t.orig) {
				next = t.orig[o]
			}
			if !(next >= 'a' && next <= 'z') {
				low[i], low[i+1] = ' ', ' '
				if c != 't' {
					low[i] = '\n'
				}
			}
		}
		j := bytes.IndexByte(low[i+1:], '\\')
		if j < 0 {
			break
		}
		i += 1 + j
	}
}

// escapedBreaks is s with the escapes "\n", "\r" and "\t" written as a
// line break (or spaces) where literalBreaks makes them one, for the
// non-English rules, which lower the original text themselves: "...\n\nAI
// सहायक के लिए निर्देश:" inside a JSON string must not read "nai". The
// length stays the same, so offsets do too; s itself when it has no
// backslash.
func escapedBreaks(s string) string {
	i := strings.IndexByte(s, '\\')
	if i < 0 {
		return s
	}
	b := []byte(s)
	for ; i >= 0 && i+1 < len(b); i++ {
		if b[i] != '\\' {
			continue
		}
		c := b[i+1]
		if c != 'n' && c != 'r' && c != 't' {
			continue
		}
		if i+2 < len(b) && b[i+2] >= 'a' && b[i+2] <= 'z' {
			continue
		}
		b[i], b[i+1] = '\n', ' '
		if c == 't' {
			b[i] = ' '
		}
		i++
	}
	return string(b)
}

// asciiEnd is the index of the first byte from 0x80 in s from i, or len(s):
// eight bytes at a time.
func asciiEnd(s string, i int) int {
	for i+8 <= len(s) && binary.LittleEndian.Uint64([]byte(s[i:i+8]))&0x8080808080808080 == 0 {
		i += 8
	}
	for i < len(s) && s[i] < 0x80 {
		i++
	}
	return i
}

// toLower is strings.ToLower (unicode.ToLower of every rune, an invalid
// byte becoming U+FFFD) without a call per rune for ASCII, which is most of
// a text in a Latin script: strings.ToLower maps every rune of a text that
// has one beyond ASCII through a function value.
func toLower(s string) string {
	b := make([]byte, 0, len(s)+8)
	for i := 0; i < len(s); {
		if c := s[i]; c < 0x80 {
			j := asciiEnd(s, i+1)
			n := len(b)
			b = append(b, s[i:j]...)
			for k := n; k < len(b); k++ {
				b[k] = lowerTab[b[k]]
			}
			i = j
			continue
		}
		r, w := utf8.DecodeRuneInString(s[i:])
		b = utf8.AppendRune(b, unicode.ToLower(r))
		i += w
	}
	return unsafe.String(unsafe.SliceData(b), len(b))
}

// wordState is foldUnicode's word state after the ASCII bytes w (at offset
// at of the text), none of which ends a word: a letter or digit starts a
// word when none is open, a letter makes it Latin.
func wordState(w string, at int, wStart *int, wLatin *bool) {
	for k := 0; k < len(w); k++ {
		switch asciiWordClass[w[k]] {
		case awLetter:
			if *wStart < 0 {
				*wStart = at + k
			}
			*wLatin = true
		case awDigit:
			if *wStart < 0 {
				*wStart = at + k
			}
		}
	}
}

// asciiWordClass sorts ASCII bytes for foldUnicode's word state: letters,
// digits and '_' (in a word), the apostrophe (neither in a word nor its
// end), and the rest (a word's end).
var asciiWordClass = func() (t [128]uint8) {
	for c := range t {
		switch {
		case c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z':
			t[c] = awLetter
		case c >= '0' && c <= '9' || c == '_':
			t[c] = awDigit
		case c == '\'':
			t[c] = awApostrophe
		default:
			t[c] = awOther
		}
	}
	return
}()

const (
	awOther = iota
	awLetter
	awDigit
	awApostrophe
)

// foldUnicode builds low/off for non-ASCII text and records invisible
// runs and mixed-script words.
func (t *ntext) foldUnicode(pre []byte) {
	s := t.orig
	low := make([]byte, 0, len(s)+8)
	off := make([]int32, 0, len(s)+9)
	emit := func(b byte, at int) {
		low = append(low, b)
		off = append(off, int32(at))
	}
	emitRune := func(r rune, at int) {
		var buf [4]byte
		n := utf8.EncodeRune(buf[:], r)
		for k := 0; k < n; k++ {
			emit(buf[k], at)
		}
	}
	// word state for mixed-script detection
	wStart, wLatin, wConf, wStyled := -1, false, false, false
	// Turkish and Azerbaijani spell with a dotless ı: a word whose only
	// look-alike is ı is not mixed in a text with the other letters of
	// those alphabets (ş, ğ, İ), or with ç, ö, ü when two or more words
	// have it ("asistanımız ... hiçbir")
	wOtherConf, turkic, turkicVowel := false, false, false
	var dotlessOnly []int // indexes in t.mixed
	endWord := func(at int) {
		if wStart >= 0 {
			if wLatin && wConf {
				if !wOtherConf {
					dotlessOnly = append(dotlessOnly, len(t.mixed))
				}
				t.mixed = append(t.mixed, span{wStart, at})
			} else if wLatin && wStyled {
				t.styled = append(t.styled, span{wStart, at})
			}
		}
		wStart, wLatin, wConf, wStyled, wOtherConf = -1, false, false, false, false
	}
	var cur *invRun
	for i := 0; i < len(s); {
		if s[i] < 0x80 {
			// a run of ASCII at once: most of a text in a Latin script
			// is, between its curly quotes and accented letters. pre
			// has it lowered; offsets count up; the word state changes
			// at the run's first and last non-word bytes only (the
			// words between are ASCII: they end with nothing to record)
			cur = nil
			j := asciiEnd(s, i+1)
			low = append(low, pre[i:j]...)
			n := len(off)
			off = slices.Grow(off, j-i)[:n+j-i]
			for k := range j - i {
				off[n+k] = int32(i + k)
			}
			first := i
			for first < j && asciiWordClass[s[first]] != awOther {
				first++
			}
			from := i
			if first < j {
				wordState(s[i:first], i, &wStart, &wLatin)
				if wStart >= 0 || wLatin || wConf || wStyled || wOtherConf {
					endWord(first)
				}
				from = j
				for asciiWordClass[s[from-1]] != awOther {
					from--
				}
			}
			wordState(s[from:j], from, &wStart, &wLatin)
			i = j
			continue
		}
		r, sz := utf8.DecodeRuneInString(s[i:])
		at := i
		i += sz
		if r == utf8.RuneError && sz == 1 {
			cur = nil
			endWord(at)
			emit(' ', at)
			continue
		}
		if cls := invisibleClass(r); cls != invNone {
			if cur != nil && cur.class == cls && cur.e == at {
				cur.e = i
				cur.n++
			} else {
				t.inv = append(t.inv, invRun{class: cls, s: at, e: i, n: 1})
				cur = &t.inv[len(t.inv)-1]
			}
			// invisible characters do not break words and emit nothing
			continue
		}
		cur = nil
		if b, ok := punctFold[r]; ok {
			endWord(at)
			emit(b, at)
			continue
		}
		if b, ok := confusables[r]; ok {
			if wStart < 0 {
				wStart = at
			}
			wConf = true
			wOtherConf = wOtherConf || r != 'ı'
			emit(b, at)
			continue
		}
		switch r {
		case 'ş', 'Ş', 'ğ', 'Ğ', 'İ':
			turkic = true
		case 'ç', 'Ç', 'ö', 'Ö', 'ü', 'Ü':
			turkicVowel = true
		}
		if unicode.Is(unicode.Mn, r) || unicode.Is(unicode.Me, r) {
			continue // combining marks: dropped (accents, stacked marks)
		}
		// compatibility decomposition (fullwidth, mathematical letters,
		// ligatures, accented letters)
		p := norm.NFKD.PropertiesString(s[at:i])
		if d := p.Decomposition(); len(d) > 0 {
			styled := r >= 0xFF00 && r <= 0xFFEF || r >= 0x1D400 && r <= 0x1D7FF || r >= 0x2460 && r <= 0x24FF || r >= 0x1F100 && r <= 0x1F1FF
			for k := 0; k < len(d); {
				dr, dsz := utf8.DecodeRune(d[k:])
				k += dsz
				switch {
				case dr < 0x80:
					c := byte(dr)
					if c >= 'A' && c <= 'Z' {
						c += 'a' - 'A'
					}
					if c >= 'a' && c <= 'z' || c >= '0' && c <= '9' {
						if wStart < 0 {
							wStart = at
						}
						if styled {
							wStyled = true
						} else {
							wLatin = true
						}
					}
					emit(c, at)
				case unicode.Is(unicode.Mn, dr):
				default:
					if b, ok := confusables[dr]; ok {
						wConf = true
						emit(b, at)
					} else {
						emitRune(unicode.ToLower(dr), at)
					}
				}
			}
			continue
		}
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			if wStart < 0 {
				wStart = at
			}
			if unicode.Is(unicode.Latin, r) {
				wLatin = true
			}
		} else {
			endWord(at)
		}
		emitRune(unicode.ToLower(r), at)
	}
	endWord(len(s))
	if turkic && len(dotlessOnly) > 0 || turkicVowel && len(dotlessOnly) >= 2 {
		kept := t.mixed[:0]
		for i, sp := range t.mixed {
			if len(dotlessOnly) > 0 && dotlessOnly[0] == i {
				dotlessOnly = dotlessOnly[1:]
				continue
			}
			kept = append(kept, sp)
		}
		t.mixed = kept
	} else if len(dotlessOnly) > 0 {
		// a short text (a parameter's description) may hold one Turkish
		// word and no other letter of the alphabet: "takip numarası"
		kept := t.mixed[:0]
		for i, sp := range t.mixed {
			if len(dotlessOnly) > 0 && dotlessOnly[0] == i {
				dotlessOnly = dotlessOnly[1:]
				if turkishSuffixed(s[sp.s:sp.e]) {
					continue
				}
			}
			kept = append(kept, sp)
		}
		t.mixed = kept
	}
	off = append(off, int32(len(s)))
	t.low = low
	t.off = off
}

// turkishSuffixed reports a word spelt as Turkish with a dotless ı:
// back vowels only (a, ı, o, u, as vowel harmony has them after a back
// vowel) and ı in a case or possessive suffix at its end ("numarası",
// "kapısın", "yolcuların"). "ıgnore", "prevıous" and "ınstructıons" are
// not.
func turkishSuffixed(w string) bool {
	rs := []rune(strings.ToLower(w))
	if len(rs) < 4 {
		return false
	}
	// a suffix with ı on a stem spelt otherwise, a loanword's among them
	// ("talimatları", "formunu" has none): ı only in the last four letters
	// and the word ends in it or in ı and a consonant of a suffix
	last := rs[len(rs)-1]
	if len(rs) >= 6 && (last == 'ı' || rs[len(rs)-2] == 'ı' && strings.ContainsRune("nlrzkm", last)) && !slices.Contains(rs[:len(rs)-4], 'ı') {
		return true
	}
	for _, r := range rs {
		switch r {
		case 'e', 'i', 'ö', 'ü', 'y':
			return false
		}
	}
	if last == 'ı' {
		return true
	}
	return rs[len(rs)-2] == 'ı' && strings.ContainsRune("nlrzk", last)
}
