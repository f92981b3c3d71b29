package jsonrpc

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"hash/maphash"
	"math/bits"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Strict validation.
//
// A gateway that decides on one reading of a message while the upstream acts
// on another protects nothing. encoding/json (v1) matches object keys
// case-insensitively and keeps the last of duplicate keys; other parsers keep
// the first, or match exactly, or replace bad UTF-8 differently. Strict
// refuses every input on which two reasonable parsers could disagree, so that
// whatever the gateway reads is what the upstream reads.
//
// It is a single pass over the bytes with no reflection. It allocates nothing
// for the common message: keys of objects with up to strictSmallKeys members
// are kept in a buffer on the stack and compared by linear scan; only larger
// objects allocate (a key list and a hash set), and only errors allocate
// beyond that.

// Limits bound the work the validator does.
type Limits struct {
	// MaxDepth is the deepest nesting of objects and arrays allowed; the
	// top-level object or array is depth 1. Zero or less means
	// StrictDefaultMaxDepth.
	MaxDepth int
	// MaxBytes is the largest input accepted, in bytes. Zero or less means
	// no limit.
	MaxBytes int
}

// StrictDefaultMaxDepth is the nesting limit used when Limits.MaxDepth is not
// set.
const StrictDefaultMaxDepth = 64

// strictMaxPath caps the length of StrictError.Path, in bytes.
const strictMaxPath = 200

// strictLongRun is the run of plain bytes after which str treats a string
// as long (see str).
const strictLongRun = 256

// strictSmallKeys is the number of keys an object may have before its key
// set moves from a linear scan over a stack buffer to a hash set.
const strictSmallKeys = 16

// StrictError reports why Strict refused its input.
type StrictError struct {
	// Offset is the byte offset in the input where the problem was found.
	Offset int
	// Reason says what is wrong, e.g. `duplicate key "path"`.
	Reason string
	// Path is a best-effort dotted path of keys and [index] elements to the
	// value (or, for key problems, the object) where the problem is, e.g.
	// "params.arguments" or "params.items[3]". Empty at the top level. At
	// most 200 bytes.
	Path string

	segs []strictSeg // filled while unwinding, innermost first
}

func (e *StrictError) Error() string {
	if e.Path != "" {
		return fmt.Sprintf("invalid JSON at offset %d (%s): %s", e.Offset, e.Path, e.Reason)
	}
	return fmt.Sprintf("invalid JSON at offset %d: %s", e.Offset, e.Reason)
}

// strictSeg is one step of an error's path: an object key (as the raw bytes
// between its quotes, decoded only when the path is rendered) or an array
// index.
type strictSeg struct {
	key   []byte // raw key content, when isKey
	index int    // array index, when !isKey
	isKey bool
}

// strictKey is one key seen in an object: the offsets of its raw content
// (between the quotes) and what is needed to compare it cheaply.
type strictKey struct {
	start, end int  // raw content is b[start:end]
	runes      int  // number of decoded code points
	esc        bool // raw content holds a backslash escape
}

// Strict validates b as exactly one JSON value (RFC 8259) with surrounding
// whitespace allowed and refuses ambiguity. It returns nil or a *StrictError.
//
// Refused, beyond plain syntax errors (trailing data, trailing commas,
// comments, single quotes, NaN/Infinity, leading zeros, '+' numbers, raw
// control characters in strings, bad escapes, truncated or empty input):
//   - bytes that are not valid UTF-8, including overlong forms and UTF-8
//     encoded surrogates;
//   - \u escapes that leave a surrogate unpaired;
//   - two keys in one object that are equal after decoding escapes, or equal
//     under simple Unicode case folding (strings.EqualFold), which is how
//     encoding/json matches keys to struct fields;
//   - nesting deeper than lim.MaxDepth, input longer than lim.MaxBytes.
func Strict(b []byte, lim Limits) error {
	if lim.MaxBytes > 0 && len(b) > lim.MaxBytes {
		return &StrictError{Offset: lim.MaxBytes, Reason: fmt.Sprintf("input exceeds %d bytes", lim.MaxBytes)}
	}
	if len(b) == 0 {
		return &StrictError{Offset: 0, Reason: "empty input"}
	}
	p := strictParser{b: b, maxDepth: lim.MaxDepth}
	if p.maxDepth <= 0 {
		p.maxDepth = StrictDefaultMaxDepth
	}
	i := strictSkipWS(b, 0)
	i, err := p.value(i, 0)
	if err == nil {
		i = strictSkipWS(b, i)
		if i < len(b) {
			err = p.fail(i, "unexpected data after top-level value: "+strictDescribe(b[i]))
		}
	}
	if err != nil {
		err.Path = strictRenderPath(err.segs)
		err.segs = nil
		return err
	}
	return nil
}

type strictParser struct {
	b        []byte
	maxDepth int
	scratch  []byte // reused for hashing keys of large objects
}

func (p *strictParser) fail(off int, reason string) *StrictError {
	return &StrictError{Offset: off, Reason: reason}
}

func (p *strictParser) eof() *StrictError {
	return p.fail(len(p.b), "unexpected end of input")
}

func strictSkipWS(b []byte, i int) int {
	for i < len(b) {
		switch b[i] {
		case ' ', '\t', '\n', '\r':
			i++
		default:
			return i
		}
	}
	return i
}

// strictDescribe names a byte for an error message.
func strictDescribe(c byte) string {
	switch {
	case c >= 0x20 && c < 0x7f:
		return "character " + strconv.QuoteRune(rune(c))
	default:
		return fmt.Sprintf("byte 0x%02x", c)
	}
}

// value validates the value starting at b[i] (after whitespace) and returns
// the offset just past it.
func (p *strictParser) value(i, depth int) (int, *StrictError) {
	b := p.b
	if i >= len(b) {
		return i, p.eof()
	}
	switch c := b[i]; c {
	case '{':
		return p.object(i, depth+1)
	case '[':
		return p.array(i, depth+1)
	case '"':
		j, _, _, err := p.str(i)
		return j, err
	case 't':
		return p.literal(i, "true")
	case 'f':
		return p.literal(i, "false")
	case 'n':
		return p.literal(i, "null")
	case '-', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9':
		return p.number(i)
	case '/':
		return i, p.fail(i, "comments are not allowed")
	case '\'':
		return i, p.fail(i, "single-quoted strings are not allowed")
	case '+':
		return i, p.fail(i, "numbers may not start with '+'")
	case '}', ']':
		return i, p.fail(i, "unexpected "+strictDescribe(c)+" looking for a value")
	case ',':
		return i, p.fail(i, "unexpected ',' looking for a value (empty element or trailing comma)")
	default:
		return i, p.fail(i, "unexpected "+strictDescribe(c)+" looking for a value")
	}
}

func (p *strictParser) literal(i int, lit string) (int, *StrictError) {
	b := p.b
	if len(b)-i >= len(lit) && string(b[i:i+len(lit)]) == lit {
		return i + len(lit), nil
	}
	for k := 1; k < len(lit); k++ {
		if i+k >= len(b) {
			return i + k, p.eof()
		}
		if b[i+k] != lit[k] {
			return i + k, p.fail(i+k, "invalid literal (expected "+lit+")")
		}
	}
	return i, p.fail(i, "invalid literal") // unreachable
}

func strictIsDigit(c byte) bool { return c >= '0' && c <= '9' }

func (p *strictParser) number(i int) (int, *StrictError) {
	b := p.b
	j := i
	if b[j] == '-' {
		j++
		if j >= len(b) {
			return j, p.eof()
		}
	}
	switch c := b[j]; {
	case c == '0':
		j++
		if j < len(b) && strictIsDigit(b[j]) {
			return j, p.fail(i, "leading zeros are not allowed in numbers")
		}
	case c >= '1' && c <= '9':
		j++
		for j < len(b) && strictIsDigit(b[j]) {
			j++
		}
	default:
		return j, p.fail(j, "invalid "+strictDescribe(c)+" in number (expected digit)")
	}
	if j < len(b) && b[j] == '.' {
		j++
		if j >= len(b) {
			return j, p.eof()
		}
		if !strictIsDigit(b[j]) {
			return j, p.fail(j, "invalid "+strictDescribe(b[j])+" after decimal point (expected digit)")
		}
		for j < len(b) && strictIsDigit(b[j]) {
			j++
		}
	}
	if j < len(b) && (b[j] == 'e' || b[j] == 'E') {
		j++
		if j < len(b) && (b[j] == '+' || b[j] == '-') {
			j++
		}
		if j >= len(b) {
			return j, p.eof()
		}
		if !strictIsDigit(b[j]) {
			return j, p.fail(j, "invalid "+strictDescribe(b[j])+" in exponent (expected digit)")
		}
		for j < len(b) && strictIsDigit(b[j]) {
			j++
		}
	}
	return j, nil
}

// strictPlain marks the bytes a string may hold as themselves with no further
// checks: printable ASCII other than '"' and '\\'.
var strictPlain = func() (t [256]bool) {
	for c := 0x20; c < 0x80; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()

// SWAR (SIMD within a register) constants: a byte repeated in all eight
// lanes of a uint64.
const (
	swarOnes = 0x0101010101010101
	swarHigh = 0x8080808080808080
	swarLow7 = 0x7f7f7f7f7f7f7f7f
)

// strictSpecial8 returns, for the eight bytes of w (little-endian: the first
// byte is the lowest), a mask with bit 7 of each lane set when that byte is
// not plain (strictPlain): below 0x20, '"', '\\' or 0x80 and above. Lanes
// are computed on their low seven bits, which cannot carry into the next
// lane, so the mask is exact for every lane.
func strictSpecial8(w uint64) uint64 {
	lo := w & swarLow7
	ctl := lo + (0x80-0x20)*swarOnes      // bit 7 set when lo >= 0x20
	quo := (lo ^ '"'*swarOnes) + swarLow7 // bit 7 set when lo != '"'
	bsl := (lo ^ '\\'*swarOnes) + swarLow7
	return (w | ^(ctl & quo & bsl)) & swarHigh
}

// strictPlainRun returns the offset of the first byte in b[j:end] that is
// not plain, or end: sixteen bytes at a time, then eight, then one.
func strictPlainRun(b []byte, j, end int) int {
	for ; j+16 <= end; j += 16 {
		m0 := strictSpecial8(binary.LittleEndian.Uint64(b[j:]))
		m1 := strictSpecial8(binary.LittleEndian.Uint64(b[j+8:]))
		if m0|m1 != 0 {
			if m0 != 0 {
				return j + bits.TrailingZeros64(m0)>>3
			}
			return j + 8 + bits.TrailingZeros64(m1)>>3
		}
	}
	if j+8 <= end {
		if m := strictSpecial8(binary.LittleEndian.Uint64(b[j:])); m != 0 {
			return j + bits.TrailingZeros64(m)>>3
		}
		j += 8
	}
	for j < end && strictPlain[b[j]] {
		j++
	}
	return j
}

// strictCtlOrHigh8 returns, for the eight bytes of w (little-endian: the
// first byte is the lowest), a mask with bit 7 of each lane set when that
// byte is below 0x20 or 0x80 and above. Each lane is computed from its low
// seven bits, which cannot carry into the next lane, so the mask is exact.
func strictCtlOrHigh8(w uint64) uint64 {
	return (w | ^((w & swarLow7) + (0x80-0x20)*swarOnes)) & swarHigh
}

// strictASCIIRun returns the offset of the first byte in b[j:end] that is a
// control character or not ASCII, or end: 32 bytes at a time while there is
// none, then 8, then one.
func strictASCIIRun(b []byte, j, end int) int {
	for ; j+32 <= end; j += 32 {
		w0 := binary.LittleEndian.Uint64(b[j:])
		w1 := binary.LittleEndian.Uint64(b[j+8:])
		w2 := binary.LittleEndian.Uint64(b[j+16:])
		w3 := binary.LittleEndian.Uint64(b[j+24:])
		if strictCtlOrHigh8(w0)|strictCtlOrHigh8(w1)|strictCtlOrHigh8(w2)|strictCtlOrHigh8(w3) != 0 {
			break
		}
	}
	for ; j+8 <= end; j += 8 {
		if m := strictCtlOrHigh8(binary.LittleEndian.Uint64(b[j:])); m != 0 {
			return j + bits.TrailingZeros64(m)>>3
		}
	}
	for j < end && b[j] >= 0x20 && b[j] < utf8.RuneSelf {
		j++
	}
	return j
}

// str validates the string whose opening quote is at b[i]. It returns the
// offset just past the closing quote, the number of code points the string
// decodes to, and whether it holds escapes.
//
// The bytes that need a look of their own ('"', '\\', controls, non-ASCII)
// are found in bulk, and each is then checked exactly as a per-byte loop
// would (a per-byte reference is kept in the tests and fuzzed against this
// one). Short strings are scanned eight bytes at a time for all four kinds
// at once. Once a string has shown a run of strictLongRun plain bytes, '"'
// and '\\' are found by bytes.IndexByte (vectorised) and only controls and
// non-ASCII by the word scan, which is cheaper per byte but costs a call per
// escape; after an escape the string counts as short again.
func (p *strictParser) str(i int) (int, int, bool, *StrictError) {
	b := p.b
	j := i + 1
	runes := 0
	esc := false
	long := false
	// In long mode, quote is the offset of the next '"' at or after j
	// (len(b) if none) and bslash that of the next '\\' before quote
	// (quote if none). Each is searched for again only once j has passed
	// it, and bslash only up to quote, so every byte is searched once.
	quote, bslash := -1, -1
	for {
		start := j
		if !long {
			// The first word inline: it holds most keys whole.
			if j+8 <= len(b) {
				if m := strictSpecial8(binary.LittleEndian.Uint64(b[j:])); m != 0 {
					j += bits.TrailingZeros64(m) >> 3
				} else {
					end := min(len(b), j+strictLongRun)
					j = strictPlainRun(b, j+8, end)
					long = j == end && j < len(b)
				}
			} else {
				for j < len(b) && strictPlain[b[j]] {
					j++
				}
			}
		}
		if long {
			if quote < j {
				quote = len(b)
				if k := bytes.IndexByte(b[j:], '"'); k >= 0 {
					quote = j + k
				}
				bslash = -1
			}
			if bslash < j {
				bslash = quote
				if k := bytes.IndexByte(b[j:quote], '\\'); k >= 0 {
					bslash = j + k
				}
			}
			// No byte before bslash is '"' or '\\': the first one that
			// is not plain is the first control or non-ASCII one, else
			// bslash itself.
			j = strictASCIIRun(b, j, bslash)
		}
		runes += j - start
		if j >= len(b) {
			return j, 0, false, p.fail(len(b), "unexpected end of input in string")
		}
		switch c := b[j]; {
		case c == '"':
			return j + 1, runes, esc, nil
		case c == '\\':
			esc = true
			var err *StrictError
			if j, err = p.escape(j); err != nil {
				return j, 0, false, err
			}
			runes++
			// Escapes come in clusters (source code, nested JSON):
			// back to the word scan until the next long plain run.
			long, bslash = false, -1
		case c < 0x20:
			return j, 0, false, p.fail(j, fmt.Sprintf("unescaped control character 0x%02x in string", c))
		default:
			// A run of non-ASCII (prose in most scripts other than
			// Latin) is decoded here rather than going back to the
			// word scan after every code point.
			for j < len(b) && b[j] >= utf8.RuneSelf {
				r, size := utf8.DecodeRune(b[j:])
				if r == utf8.RuneError && size == 1 {
					return j, 0, false, p.fail(j, fmt.Sprintf("invalid UTF-8 (byte 0x%02x) in string", b[j]))
				}
				j += size
				runes++
			}
		}
	}
}

// escape validates the escape sequence at b[j] == '\\' and returns the offset
// just past it. A \u escape of a high surrogate must be followed at once by a
// \u escape of a low surrogate; the pair counts as one escape.
func (p *strictParser) escape(j int) (int, *StrictError) {
	b := p.b
	if j+1 >= len(b) {
		return j, p.fail(len(b), "unexpected end of input in string")
	}
	switch b[j+1] {
	case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
		return j + 2, nil
	case 'u':
		r, err := p.hex4(j)
		if err != nil {
			return j, err
		}
		switch {
		case r >= 0xDC00 && r <= 0xDFFF:
			return j, p.fail(j, fmt.Sprintf(`unpaired low surrogate \u%04x`, r))
		case r >= 0xD800 && r <= 0xDBFF:
			k := j + 6
			if k+1 < len(b) && b[k] == '\\' && b[k+1] == 'u' {
				r2, err := p.hex4(k)
				if err != nil {
					return k, err
				}
				if r2 >= 0xDC00 && r2 <= 0xDFFF {
					return k + 6, nil
				}
			} else if k >= len(b) || (b[k] == '\\' && k+1 >= len(b)) {
				return k, p.fail(len(b), "unexpected end of input in string")
			}
			return j, p.fail(j, fmt.Sprintf(`unpaired high surrogate \u%04x (not followed by a low surrogate escape)`, r))
		}
		return j + 6, nil
	default:
		return j, p.fail(j, "invalid escape "+strictDescribe(b[j+1])+" in string")
	}
}

// hex4 reads the four hex digits of the \u escape at b[j].
func (p *strictParser) hex4(j int) (rune, *StrictError) {
	b := p.b
	var r rune
	for k := j + 2; k < j+6; k++ {
		if k >= len(b) {
			return 0, p.fail(len(b), "unexpected end of input in string")
		}
		c := b[k]
		var v byte
		switch {
		case c >= '0' && c <= '9':
			v = c - '0'
		case c >= 'a' && c <= 'f':
			v = c - 'a' + 10
		case c >= 'A' && c <= 'F':
			v = c - 'A' + 10
		default:
			return 0, p.fail(k, "invalid "+strictDescribe(c)+` in \u escape (expected hex digit)`)
		}
		r = r<<4 | rune(v)
	}
	return r, nil
}

func (p *strictParser) array(i, depth int) (int, *StrictError) {
	b := p.b
	if depth > p.maxDepth {
		return i, p.fail(i, fmt.Sprintf("nesting exceeds maximum depth %d", p.maxDepth))
	}
	j := strictSkipWS(b, i+1)
	if j >= len(b) {
		return j, p.eof()
	}
	if b[j] == ']' {
		return j + 1, nil
	}
	for idx := 0; ; idx++ {
		var err *StrictError
		if j, err = p.value(j, depth); err != nil {
			err.segs = append(err.segs, strictSeg{index: idx})
			return j, err
		}
		j = strictSkipWS(b, j)
		if j >= len(b) {
			return j, p.eof()
		}
		switch b[j] {
		case ',':
			j = strictSkipWS(b, j+1)
			if j < len(b) && b[j] == ']' {
				return j, p.fail(j, "trailing comma in array")
			}
		case ']':
			return j + 1, nil
		default:
			return j, p.fail(j, "unexpected "+strictDescribe(b[j])+" after array element (expected ',' or ']')")
		}
	}
}

func (p *strictParser) object(i, depth int) (int, *StrictError) {
	b := p.b
	if depth > p.maxDepth {
		return i, p.fail(i, fmt.Sprintf("nesting exceeds maximum depth %d", p.maxDepth))
	}
	j := strictSkipWS(b, i+1)
	if j >= len(b) {
		return j, p.eof()
	}
	if b[j] == '}' {
		return j + 1, nil
	}
	var small [strictSmallKeys]strictKey
	keys := small[:0]
	var set map[uint64]int // hash of folded key -> index in keys; nil while small
	for {
		if j >= len(b) {
			return j, p.eof()
		}
		if b[j] != '"' {
			return j, p.fail(j, "unexpected "+strictDescribe(b[j])+" looking for an object key (keys must be double-quoted strings)")
		}
		end, runes, esc, err := p.str(j)
		if err != nil {
			return end, err
		}
		k := strictKey{start: j + 1, end: end - 1, runes: runes, esc: esc}
		if keys, set, err = p.checkKey(j, k, keys, set); err != nil {
			return j, err
		}
		j = strictSkipWS(b, end)
		if j >= len(b) {
			return j, p.eof()
		}
		if b[j] != ':' {
			return j, p.fail(j, "unexpected "+strictDescribe(b[j])+" after object key (expected ':')")
		}
		j = strictSkipWS(b, j+1)
		if j, err = p.value(j, depth); err != nil {
			err.segs = append(err.segs, strictSeg{key: b[k.start:k.end], isKey: true})
			return j, err
		}
		j = strictSkipWS(b, j)
		if j >= len(b) {
			return j, p.eof()
		}
		switch b[j] {
		case ',':
			j = strictSkipWS(b, j+1)
			if j < len(b) && b[j] == '}' {
				return j, p.fail(j, "trailing comma in object")
			}
		case '}':
			return j + 1, nil
		default:
			return j, p.fail(j, "unexpected "+strictDescribe(b[j])+" after object value (expected ',' or '}')")
		}
	}
}

// checkKey refuses k (whose opening quote is at off) if it collides with a
// key already in the object, and returns keys with k added. set is the
// object's hash set, nil while the object is small.
func (p *strictParser) checkKey(off int, k strictKey, keys []strictKey, set map[uint64]int) ([]strictKey, map[uint64]int, *StrictError) {
	b := p.b
	if set == nil {
		for _, o := range keys {
			if o.runes == k.runes && strictFoldEqual(b, o, k) {
				return keys, nil, p.collision(off, o, k)
			}
		}
		keys = append(keys, k)
		if len(keys) <= strictSmallKeys {
			return keys, nil, nil
		}
		// The object has outgrown the linear scan: index every key so far.
		set = make(map[uint64]int, 2*len(keys))
		for idx, o := range keys {
			h := p.foldHash(o)
			if _, ok := set[h]; !ok {
				set[h] = idx
			}
		}
		return keys, set, nil
	}
	h := p.foldHash(k)
	if idx, ok := set[h]; ok {
		o := keys[idx]
		if o.runes == k.runes && strictFoldEqual(b, o, k) {
			return keys, set, p.collision(off, o, k)
		}
		// A true hash collision (seeded 64-bit hash: only by chance). Stay
		// correct with a full scan.
		for _, o := range keys {
			if o.runes == k.runes && strictFoldEqual(b, o, k) {
				return keys, set, p.collision(off, o, k)
			}
		}
	} else {
		set[h] = len(keys)
	}
	return append(keys, k), set, nil
}

func (p *strictParser) collision(off int, first, dup strictKey) *StrictError {
	a := strictDecode(p.b[first.start:first.end], -1)
	d := strictDecode(p.b[dup.start:dup.end], -1)
	if a == d {
		return p.fail(off, "duplicate key "+strictQuote(d))
	}
	return p.fail(off, "key "+strictQuote(d)+" collides with key "+strictQuote(a)+" under case folding")
}

// strictQuote quotes a key for an error message, shortening long ones. It
// escapes all non-ASCII so look-alikes (K and U+212A) are told apart.
func strictQuote(s string) string {
	if len(s) > 64 {
		s = strictTruncate(s, 61) + "..."
	}
	return strconv.QuoteToASCII(s)
}

// strictFoldEqual reports whether two validated keys are equal under simple
// Unicode case folding after decoding escapes. It is strings.EqualFold over
// the decoded keys, without decoding them into memory.
func strictFoldEqual(b []byte, x, y strictKey) bool {
	xs, ys := b[x.start:x.end], b[y.start:y.end]
	if !x.esc && !y.esc {
		return bytes.EqualFold(xs, ys)
	}
	i, j := 0, 0
	for i < len(xs) && j < len(ys) {
		var sr, tr rune
		sr, i = strictNextRune(xs, i)
		tr, j = strictNextRune(ys, j)
		if sr == tr {
			continue
		}
		if tr < sr {
			tr, sr = sr, tr
		}
		if tr < utf8.RuneSelf {
			if 'A' <= sr && sr <= 'Z' && tr == sr+'a'-'A' {
				continue
			}
			return false
		}
		r := unicode.SimpleFold(sr)
		for r != sr && r < tr {
			r = unicode.SimpleFold(r)
		}
		if r == tr {
			continue
		}
		return false
	}
	return i == len(xs) && j == len(ys)
}

// strictNextRune decodes the code point at raw[i] of validated string content
// (between the quotes), resolving escapes, and returns the offset after it.
func strictNextRune(raw []byte, i int) (rune, int) {
	c := raw[i]
	if c < utf8.RuneSelf {
		if c != '\\' {
			return rune(c), i + 1
		}
		switch raw[i+1] {
		case 'b':
			return '\b', i + 2
		case 'f':
			return '\f', i + 2
		case 'n':
			return '\n', i + 2
		case 'r':
			return '\r', i + 2
		case 't':
			return '\t', i + 2
		case 'u':
			r := strictHex(raw[i+2 : i+6])
			if r >= 0xD800 && r <= 0xDBFF && i+12 <= len(raw) && raw[i+6] == '\\' && raw[i+7] == 'u' {
				if r2 := strictHex(raw[i+8 : i+12]); r2 >= 0xDC00 && r2 <= 0xDFFF {
					return strictUTF16(r, r2), i + 12
				}
			}
			return r, i + 6
		default: // '"', '\\', '/'
			return rune(raw[i+1]), i + 2
		}
	}
	r, size := utf8.DecodeRune(raw[i:])
	return r, i + size
}

func strictUTF16(hi, lo rune) rune {
	return (hi-0xD800)<<10 | (lo - 0xDC00) + 0x10000
}

// strictHex decodes four validated hex digits.
func strictHex(h []byte) rune {
	var r rune
	for _, c := range h {
		switch {
		case c <= '9':
			r = r<<4 | rune(c-'0')
		case c >= 'a':
			r = r<<4 | rune(c-'a'+10)
		default:
			r = r<<4 | rune(c-'A'+10)
		}
	}
	return r
}

// strictDecode decodes validated string content. With max >= 0 it stops once
// the result is at least max bytes long.
func strictDecode(raw []byte, max int) string {
	if bytes.IndexByte(raw, '\\') < 0 && (max < 0 || len(raw) <= max) {
		return string(raw)
	}
	var sb strings.Builder
	for i := 0; i < len(raw) && (max < 0 || sb.Len() < max); {
		var r rune
		r, i = strictNextRune(raw, i)
		sb.WriteRune(r)
	}
	return sb.String()
}

// strictHashSeed seeds the key-set hash, so no input can be crafted to make
// a large object's keys collide.
var strictHashSeed = maphash.MakeSeed()

// foldHash hashes a key's case-folded form: every code point is replaced by
// the smallest member of its simple folding orbit, so keys that are
// EqualFold have the same hash.
func (p *strictParser) foldHash(k strictKey) uint64 {
	raw := p.b[k.start:k.end]
	buf := p.scratch[:0]
	for i := 0; i < len(raw); {
		var r rune
		r, i = strictNextRune(raw, i)
		switch {
		case r < utf8.RuneSelf:
			if 'a' <= r && r <= 'z' {
				r -= 'a' - 'A'
			}
			buf = append(buf, byte(r))
		default:
			m := r
			for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
				m = min(m, f)
			}
			buf = utf8.AppendRune(buf, m)
		}
	}
	p.scratch = buf
	return maphash.Bytes(strictHashSeed, buf)
}

// strictTruncate cuts s to at most n bytes at a code point boundary.
func strictTruncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// strictRenderPath renders an error's path, outermost first, capped at
// strictMaxPath bytes.
func strictRenderPath(segs []strictSeg) string {
	if len(segs) == 0 {
		return ""
	}
	var sb strings.Builder
	for i := len(segs) - 1; i >= 0 && sb.Len() <= strictMaxPath; i-- {
		s := segs[i]
		if !s.isKey {
			sb.WriteByte('[')
			sb.WriteString(strconv.Itoa(s.index))
			sb.WriteByte(']')
			continue
		}
		k := strictDecode(s.key, strictMaxPath+1)
		if strictPlainKey(k) {
			if sb.Len() > 0 {
				sb.WriteByte('.')
			}
			sb.WriteString(k)
		} else {
			sb.WriteByte('[')
			sb.WriteString(strconv.QuoteToASCII(strictTruncate(k, strictMaxPath)))
			sb.WriteByte(']')
		}
	}
	out := sb.String()
	if len(out) > strictMaxPath {
		out = strictTruncate(out, strictMaxPath-3) + "..."
	}
	return out
}

// strictPlainKey reports whether a key can be shown bare in a dotted path.
func strictPlainKey(k string) bool {
	if k == "" {
		return false
	}
	for i := 0; i < len(k); i++ {
		c := k[i]
		if !(c == '_' || c == '-' || c == '$' || c == '/' || c == '@' ||
			'0' <= c && c <= '9' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z') {
			return false
		}
	}
	return true
}
