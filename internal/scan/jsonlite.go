package scan

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"math/bits"
	"unicode/utf16"
	"unicode/utf8"
	"unsafe"
)

// A small JSON reader for tool results. Results can be large (64 KiB and
// more of text in one string), and encoding/json's generic decoding costs
// several times the scan itself; this reader makes one pass, copies each
// string once and keeps objects as ordered key/value lists.

type jkind byte

const (
	jNull jkind = iota
	jBool
	jNumber
	jString
	jArray
	jObject
)

type jval struct {
	kind jkind
	str  string // string value, or the literal text of a number or bool
	keys []string
	vals []jval
}

// get returns the last member named k of an object (as encoding/json
// does with duplicate keys).
func (v *jval) get(k string) *jval {
	if v == nil || v.kind != jObject {
		return nil
	}
	for i := len(v.keys) - 1; i >= 0; i-- {
		if v.keys[i] == k {
			return &v.vals[i]
		}
	}
	return nil
}

func (v *jval) has(k string) bool { return v.get(k) != nil }

func (v *jval) strOf(k string) (string, bool) {
	x := v.get(k)
	if x == nil || x.kind != jString {
		return "", false
	}
	return x.str, true
}

const maxJSONDepth = 512

// jsonStop returns 0x80 in each byte of x that ends the fast scan of a
// string: a quote, a backslash or a control character (not bytes from
// 0x80).
func jsonStop(x uint64) uint64 {
	y := x &^ hi8 // each byte below 0x80: the sums carry into no other byte
	quote := ^((y ^ lo8*'"') + lo8*0x7f)
	bslash := ^((y ^ lo8*'\\') + lo8*0x7f)
	ctrl := ^(y + lo8*(0x80-0x20))
	return (quote | bslash | ctrl) &^ x & hi8
}

// scanRun returns the offset of the first quote, backslash or control
// character in d from i (len(d) if none), and whether a byte from 0x80
// comes before it; eight bytes at a time.
func scanRun(d []byte, i int) (int, bool) {
	var hi uint64
	// sixteen bytes at a time while none stops the scan, then eight
	for i+16 <= len(d) {
		x0, x1 := binary.LittleEndian.Uint64(d[i:]), binary.LittleEndian.Uint64(d[i+8:])
		if jsonStop(x0)|jsonStop(x1) != 0 {
			break
		}
		hi |= (x0 | x1) & hi8
		i += 16
	}
	for i+8 <= len(d) {
		x := binary.LittleEndian.Uint64(d[i:])
		if m := jsonStop(x); m != 0 {
			k := bits.TrailingZeros64(m) >> 3
			return i + k, hi|x&lenMask[k]&hi8 != 0
		}
		hi |= x & hi8
		i += 8
	}
	for ; i < len(d); i++ {
		c := d[i]
		if c == '"' || c == '\\' || c < 0x20 {
			break
		}
		hi |= uint64(c) & 0x80
	}
	return i, hi != 0
}

var errJSONDepth = errors.New("nesting too deep")

type jparser struct {
	d   []byte
	i   int
	dep int
	// share: long strings without escapes are not copied but point into
	// d (see parseJSONShared)
	share bool
}

// shareMin is the length from which parseJSONShared shares a string with
// its input.
const shareMin = 4 << 10

func parseJSON(d []byte) (jval, error) { return parseJSONWith(d, false) }

// parseJSONShared is parseJSON whose long strings (shareMin bytes and more,
// without escapes) share d's memory instead of being copied: a 64 KiB tool
// result is then read in place. The caller must not let any string of the
// value outlive its use of d, nor modify d meanwhile; Scanner.result only
// analyses the strings and keeps formatted copies (excerpts, messages) and
// its own field names.
func parseJSONShared(d []byte) (jval, error) { return parseJSONWith(d, true) }

func parseJSONWith(d []byte, share bool) (jval, error) {
	p := jparser{d: d, share: share}
	p.ws()
	v, err := p.value()
	if err != nil {
		return jval{}, err
	}
	p.ws()
	if p.i != len(p.d) {
		return jval{}, p.errf("unexpected data after the top-level value")
	}
	return v, nil
}

func (p *jparser) errf(format string, args ...any) error {
	return fmt.Errorf("json: %s at offset %d", fmt.Sprintf(format, args...), p.i)
}

func (p *jparser) ws() {
	for p.i < len(p.d) {
		switch p.d[p.i] {
		case ' ', '\t', '\n', '\r':
			p.i++
		default:
			return
		}
	}
}

func (p *jparser) value() (jval, error) {
	if p.i >= len(p.d) {
		return jval{}, p.errf("unexpected end of input")
	}
	switch c := p.d[p.i]; {
	case c == '{':
		return p.object()
	case c == '[':
		return p.array()
	case c == '"':
		s, err := p.string()
		return jval{kind: jString, str: s}, err
	case c == 't':
		return p.literal("true", jBool)
	case c == 'f':
		return p.literal("false", jBool)
	case c == 'n':
		return p.literal("null", jNull)
	case c == '-' || c >= '0' && c <= '9':
		return p.number()
	}
	return jval{}, p.errf("invalid character %q", p.d[p.i])
}

func (p *jparser) literal(lit string, k jkind) (jval, error) {
	if p.i+len(lit) > len(p.d) || string(p.d[p.i:p.i+len(lit)]) != lit {
		return jval{}, p.errf("invalid literal")
	}
	p.i += len(lit)
	return jval{kind: k, str: lit}, nil
}

func (p *jparser) number() (jval, error) {
	s := p.i
	if p.d[p.i] == '-' {
		p.i++
	}
	digits := func() int {
		n := 0
		for p.i < len(p.d) && p.d[p.i] >= '0' && p.d[p.i] <= '9' {
			p.i++
			n++
		}
		return n
	}
	if p.i < len(p.d) && p.d[p.i] == '0' {
		p.i++
	} else if digits() == 0 {
		return jval{}, p.errf("invalid number")
	}
	if p.i < len(p.d) && p.d[p.i] == '.' {
		p.i++
		if digits() == 0 {
			return jval{}, p.errf("invalid number")
		}
	}
	if p.i < len(p.d) && (p.d[p.i] == 'e' || p.d[p.i] == 'E') {
		p.i++
		if p.i < len(p.d) && (p.d[p.i] == '+' || p.d[p.i] == '-') {
			p.i++
		}
		if digits() == 0 {
			return jval{}, p.errf("invalid number")
		}
	}
	return jval{kind: jNumber, str: string(p.d[s:p.i])}, nil
}

func (p *jparser) enter() error {
	p.dep++
	if p.dep > maxJSONDepth {
		return errJSONDepth
	}
	return nil
}

func (p *jparser) object() (jval, error) {
	if err := p.enter(); err != nil {
		return jval{}, err
	}
	defer func() { p.dep-- }()
	p.i++ // {
	v := jval{kind: jObject}
	p.ws()
	if p.i < len(p.d) && p.d[p.i] == '}' {
		p.i++
		return v, nil
	}
	for {
		p.ws()
		if p.i >= len(p.d) || p.d[p.i] != '"' {
			return jval{}, p.errf("expected an object key")
		}
		k, err := p.string()
		if err != nil {
			return jval{}, err
		}
		p.ws()
		if p.i >= len(p.d) || p.d[p.i] != ':' {
			return jval{}, p.errf("expected ':'")
		}
		p.i++
		p.ws()
		x, err := p.value()
		if err != nil {
			return jval{}, err
		}
		v.keys = append(v.keys, k)
		v.vals = append(v.vals, x)
		p.ws()
		if p.i >= len(p.d) {
			return jval{}, p.errf("unexpected end of input in object")
		}
		if p.d[p.i] == ',' {
			p.i++
			continue
		}
		if p.d[p.i] == '}' {
			p.i++
			return v, nil
		}
		return jval{}, p.errf("expected ',' or '}'")
	}
}

func (p *jparser) array() (jval, error) {
	if err := p.enter(); err != nil {
		return jval{}, err
	}
	defer func() { p.dep-- }()
	p.i++ // [
	v := jval{kind: jArray}
	p.ws()
	if p.i < len(p.d) && p.d[p.i] == ']' {
		p.i++
		return v, nil
	}
	for {
		p.ws()
		x, err := p.value()
		if err != nil {
			return jval{}, err
		}
		v.vals = append(v.vals, x)
		p.ws()
		if p.i >= len(p.d) {
			return jval{}, p.errf("unexpected end of input in array")
		}
		if p.d[p.i] == ',' {
			p.i++
			continue
		}
		if p.d[p.i] == ']' {
			p.i++
			return v, nil
		}
		return jval{}, p.errf("expected ',' or ']'")
	}
}

// string reads a JSON string starting at the opening quote. Invalid UTF-8
// becomes U+FFFD, as with encoding/json.
func (p *jparser) string() (string, error) {
	p.i++ // "
	s := p.i
	// fast path: no escapes
	r, high := scanRun(p.d, p.i)
	p.i = r
	if p.i < len(p.d) {
		switch c := p.d[p.i]; {
		case c == '"':
			b := p.d[s:p.i]
			p.i++
			if !high || utf8.Valid(b) {
				if p.share && len(b) >= shareMin {
					return unsafe.String(unsafe.SliceData(b), len(b)), nil
				}
				return string(b), nil
			}
			return string([]rune(string(b))), nil
		case c < 0x20:
			return "", p.errf("control character in string")
		}
	}
	if p.i >= len(p.d) {
		return "", p.errf("unterminated string")
	}
	// unescaping never lengthens a string, so the span up to the closing
	// quote bounds the output: one allocation, no regrowth
	out := make([]byte, 0, closingQuote(p.d, s, p.i)-s)
	out = append(out, p.d[s:p.i]...)
	for p.i < len(p.d) {
		// copy the run up to the next special byte in one go
		r, h := scanRun(p.d, p.i)
		high = high || h
		out = append(out, p.d[p.i:r]...)
		p.i = r
		if p.i >= len(p.d) {
			break
		}
		c := p.d[p.i]
		switch {
		case c == '"':
			p.i++
			if !high || utf8.Valid(out) {
				// out is private to this call and never written again
				return unsafe.String(unsafe.SliceData(out), len(out)), nil
			}
			return string([]rune(string(out))), nil
		case c < 0x20:
			return "", p.errf("control character in string")
		case c != '\\':
			high = true
			out = append(out, c)
			p.i++
			continue
		}
		if p.i+1 >= len(p.d) {
			return "", p.errf("unterminated escape")
		}
		e := p.d[p.i+1]
		p.i += 2
		switch e {
		case '"', '\\', '/':
			out = append(out, e)
		case 'b':
			out = append(out, '\b')
		case 'f':
			out = append(out, '\f')
		case 'n':
			out = append(out, '\n')
		case 'r':
			out = append(out, '\r')
		case 't':
			out = append(out, '\t')
		case 'u':
			r, ok := p.hex4()
			if !ok {
				return "", p.errf("invalid \\u escape")
			}
			if utf16.IsSurrogate(r) {
				r2 := rune(-1)
				if p.i+1 < len(p.d) && p.d[p.i] == '\\' && p.d[p.i+1] == 'u' {
					save := p.i
					p.i += 2
					if x, ok := p.hex4(); ok {
						r2 = x
					} else {
						p.i = save
					}
				}
				if d := utf16.DecodeRune(r, r2); d != utf8.RuneError {
					r = d
				} else {
					if r2 >= 0 {
						p.i -= 6 // the second escape is a character of its own
					}
					r = utf8.RuneError
				}
			}
			out = utf8.AppendRune(out, r)
		default:
			return "", p.errf("invalid escape \\%c", e)
		}
	}
	return "", p.errf("unterminated string")
}

// closingQuote returns the offset of the quote that closes the string
// whose contents start at s, searching from i (len(d) if none): the first
// quote not escaped by an odd run of backslashes.
func closingQuote(d []byte, s, i int) int {
	for i < len(d) {
		k := bytes.IndexByte(d[i:], '"')
		if k < 0 {
			break
		}
		j := i + k
		n := 0
		for q := j - 1; q >= s && d[q] == '\\'; q-- {
			n++
		}
		if n%2 == 0 {
			return j
		}
		i = j + 1
	}
	return len(d)
}

func (p *jparser) hex4() (rune, bool) {
	if p.i+4 > len(p.d) {
		return 0, false
	}
	var v rune
	for k := 0; k < 4; k++ {
		c := p.d[p.i+k]
		if !isHex(c) {
			return 0, false
		}
		v = v<<4 | rune(unhex(c))
	}
	p.i += 4
	return v, true
}
