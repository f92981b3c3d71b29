package detect

import (
	"bytes"
	"encoding/binary"
	"math/bits"
	"sync"
	"unicode/utf16"
	"unicode/utf8"
)

// fpWalker fingerprints the strings of a JSON document where they lie in
// its bytes: no decoded document, and a string is copied only when it has
// escapes (unescaped into a pooled buffer). It checks the document's syntax
// as it goes, as strictly as json.Valid, and refuses nesting beyond 512 (as
// jsonval.Decode did), so that a document that is not JSON has no
// fingerprints. (A number out of float64's range, which jsonval.Decode
// refused, is JSON: it is accepted.) Bytes of a string that are not UTF-8
// are kept as they are (encoding/json replaces each by U+FFFD): neither is
// part of a word, only a string's cut at 64 KiB can differ.
//
// What is fingerprinted is what ValueFingerprints walked in the decoded
// document: every string value down to depth 32, except the values of
// type, mimeType, _meta and blob, and of data in an object whose type is
// image or audio. An object's type is its last "type" member; a key that
// appears twice has both values fingerprinted (a decoded map kept only the
// last).
type fpWalker struct {
	b    []byte
	i    int
	text fpText  // the fingerprints
	buf  *[]byte // unescaped text (from fpBufPool, on the first escaped string)
	data []span  // values of "data" members, fingerprinted at their object's end
}

type span struct{ start, end int }

const (
	maxJSONDepth = 512 // as jsonval
	maxFPDepth   = 32  // strings deeper are not fingerprinted
)

var fpBufPool = sync.Pool{New: func() any { b := make([]byte, 0, 4096); return &b }}

// valueFingerprints is ValueFingerprints: nil for a document that is not
// JSON.
func valueFingerprints(doc []byte) []uint64 {
	w := fpWalker{b: doc}
	w.text.set.reset()
	ok := w.document()
	w.text.done()
	if w.buf != nil {
		if cap(*w.buf) <= 4*maxFPBytes {
			*w.buf = (*w.buf)[:0]
			fpBufPool.Put(w.buf)
		}
	}
	if !ok {
		return nil
	}
	return w.text.set.list()
}

func (w *fpWalker) document() bool {
	w.ws()
	if !w.value(0, true) {
		return false
	}
	w.ws()
	return w.i == len(w.b)
}

func (w *fpWalker) ws() {
	for w.i < len(w.b) {
		switch w.b[w.i] {
		case ' ', '\t', '\n', '\r':
			w.i++
		default:
			return
		}
	}
}

// value reads the value at w.i; fp: fingerprint its strings.
func (w *fpWalker) value(depth int, fp bool) bool {
	if depth > maxJSONDepth || w.i >= len(w.b) {
		return false
	}
	switch c := w.b[w.i]; c {
	case '{':
		return w.object(depth, fp)
	case '[':
		w.i++
		w.ws()
		if w.i < len(w.b) && w.b[w.i] == ']' {
			w.i++
			return true
		}
		for {
			w.ws()
			if !w.value(depth+1, fp && depth+1 <= maxFPDepth) {
				return false
			}
			w.ws()
			if w.i >= len(w.b) {
				return false
			}
			switch w.b[w.i] {
			case ',':
				w.i++
			case ']':
				w.i++
				return true
			default:
				return false
			}
		}
	case '"':
		start, end, esc, ok := w.str()
		if ok && fp {
			w.fingerprint(w.b[start:end], esc)
		}
		return ok
	case 't':
		return w.lit("true")
	case 'f':
		return w.lit("false")
	case 'n':
		return w.lit("null")
	default:
		return w.num()
	}
}

// Keys whose values are not fingerprinted.
const (
	keyOther = iota
	keyType
	keySkip // mimeType, _meta, blob
	keyData
)

func keyKind(k []byte) int {
	switch string(k) {
	case "type":
		return keyType
	case "mimeType", "_meta", "blob":
		return keySkip
	case "data":
		return keyData
	}
	return keyOther
}

func (w *fpWalker) object(depth int, fp bool) bool {
	w.i++
	w.ws()
	if w.i < len(w.b) && w.b[w.i] == '}' {
		w.i++
		return true
	}
	base := len(w.data)
	media := false // the object's type is image or audio
	for {
		w.ws()
		if w.i >= len(w.b) || w.b[w.i] != '"' {
			return false
		}
		ks, ke, kesc, ok := w.str()
		if !ok {
			return false
		}
		var kb [16]byte
		kind := keyOther
		if !kesc {
			kind = keyKind(w.b[ks:ke])
		} else if k, whole := unescape(kb[:0], w.b[ks:ke], len(kb)); whole {
			kind = keyKind(k)
		}
		w.ws()
		if w.i >= len(w.b) || w.b[w.i] != ':' {
			return false
		}
		w.i++
		w.ws()
		vstart := w.i
		switch kind {
		case keyType:
			media = false
			if w.i < len(w.b) && w.b[w.i] == '"' {
				s, e, esc, ok := w.str()
				if !ok {
					return false
				}
				v := w.b[s:e]
				var vb [16]byte
				if esc {
					var whole bool
					if v, whole = unescape(vb[:0], v, len(vb)); !whole {
						v = nil
					}
				}
				media = string(v) == "image" || string(v) == "audio"
			} else if !w.value(depth+1, false) {
				return false
			}
		case keySkip:
			if !w.value(depth+1, false) {
				return false
			}
		case keyData:
			if !w.value(depth+1, false) {
				return false
			}
			if fp && depth+1 <= maxFPDepth {
				w.data = append(w.data, span{vstart, w.i})
			}
		default:
			if !w.value(depth+1, fp && depth+1 <= maxFPDepth) {
				return false
			}
		}
		w.ws()
		if w.i >= len(w.b) {
			return false
		}
		if w.b[w.i] == ',' {
			w.i++
			continue
		}
		if w.b[w.i] != '}' {
			return false
		}
		w.i++
		break
	}
	// The data members, now that the object's type is known (they were
	// read once already: they are valid).
	if end := len(w.data); !media && end > base {
		at := w.i
		for j := base; j < end; j++ {
			w.i = w.data[j].start
			w.value(depth+1, true)
		}
		w.i = at
	}
	w.data = w.data[:base]
	return true
}

func (w *fpWalker) lit(s string) bool {
	if len(w.b)-w.i < len(s) || string(w.b[w.i:w.i+len(s)]) != s {
		return false
	}
	w.i += len(s)
	return true
}

// num reads a number: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
func (w *fpWalker) num() bool {
	b, i := w.b, w.i
	if i < len(b) && b[i] == '-' {
		i++
	}
	switch {
	case i < len(b) && b[i] == '0':
		i++
	case i < len(b) && b[i] >= '1' && b[i] <= '9':
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			i++
		}
	default:
		return false
	}
	digits := func() bool {
		s := i
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			i++
		}
		return i > s
	}
	if i < len(b) && b[i] == '.' {
		i++
		if !digits() {
			return false
		}
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		if !digits() {
			return false
		}
	}
	w.i = i
	return true
}

func isHex(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

// special: the 0x80 bit of the lowest byte of x that is '"', '\\' or a
// control byte, and maybe of later ones (0: none).
func special(x uint64) uint64 {
	q := x ^ '"'*lanes01
	s := x ^ '\\'*lanes01
	return ((q-lanes01)&^q | (s-lanes01)&^s | (x-0x20*lanes01)&^x) & lanes80
}

// str reads the string at w.i (its opening quote): its contents are
// b[start:end]; esc: it has escapes. Control characters and bad escapes
// are refused, as encoding/json does; bytes that are not UTF-8 are not.
func (w *fpWalker) str() (start, end int, esc, ok bool) {
	b := w.b
	i := w.i + 1
	start = i
	for i < len(b) {
		// 16, then 8 bytes at a time to the next '"', '\\' or control
		// byte (the lowest flagged lane of each test is exact)
		if i+16 <= len(b) && special(binary.LittleEndian.Uint64(b[i:]))|special(binary.LittleEndian.Uint64(b[i+8:])) == 0 {
			i += 16
			continue
		}
		if i+8 <= len(b) {
			m := special(binary.LittleEndian.Uint64(b[i:]))
			if m == 0 {
				i += 8
				continue
			}
			i += bits.TrailingZeros64(m) / 8
		}
		switch c := b[i]; {
		case c == '"':
			w.i = i + 1
			return start, i, esc, true
		case c == '\\':
			esc = true
			if i+1 >= len(b) {
				return 0, 0, false, false
			}
			switch b[i+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				i += 2
			case 'u':
				if i+6 > len(b) || !isHex(b[i+2]) || !isHex(b[i+3]) || !isHex(b[i+4]) || !isHex(b[i+5]) {
					return 0, 0, false, false
				}
				i += 6
			default:
				return 0, 0, false, false
			}
		case c < 0x20:
			return 0, 0, false, false
		default:
			i++
		}
	}
	return 0, 0, false, false
}

// fingerprint adds the fingerprints of a string's contents (raw, as in the
// document).
func (w *fpWalker) fingerprint(raw []byte, esc bool) {
	text := raw
	if esc {
		if w.buf == nil {
			w.buf = fpBufPool.Get().(*[]byte)
		}
		*w.buf, _ = unescape((*w.buf)[:0], raw, maxFPBytes)
		text = *w.buf
	}
	w.text.add(text)
}

func hex4(b []byte) rune {
	var r rune
	for _, c := range b[:4] {
		switch {
		case c <= '9':
			c -= '0'
		case c <= 'F':
			c -= 'A' - 10
		default:
			c -= 'a' - 10
		}
		r = r<<4 | rune(c)
	}
	return r
}

// unescape appends the value of a string's valid contents (checked by str)
// to dst, as encoding/json decodes it (a lone surrogate is U+FFFD), except
// that bytes that are not UTF-8 are kept (they are not part of a word
// either way). It stops at limit bytes of dst: whole reports that
// everything fit.
func unescape(dst, s []byte, limit int) (out []byte, whole bool) {
	for len(s) > 0 {
		j := bytes.IndexByte(s, '\\')
		if j < 0 {
			j = len(s)
		}
		if room := limit - len(dst); j > room {
			return append(dst, s[:room]...), false
		}
		dst = append(dst, s[:j]...)
		if j == len(s) {
			break
		}
		s = s[j:]
		var r rune
		switch s[1] {
		case 'u':
			r = hex4(s[2:])
			s = s[6:]
			if utf16.IsSurrogate(r) {
				r1 := rune(-1)
				if len(s) >= 6 && s[0] == '\\' && s[1] == 'u' {
					r1 = hex4(s[2:])
				}
				if d := utf16.DecodeRune(r, r1); d != utf8.RuneError {
					r = d
					s = s[6:]
				} else {
					r = utf8.RuneError
				}
			}
		case 'b':
			r, s = '\b', s[2:]
		case 'f':
			r, s = '\f', s[2:]
		case 'n':
			r, s = '\n', s[2:]
		case 'r':
			r, s = '\r', s[2:]
		case 't':
			r, s = '\t', s[2:]
		default: // " \ /
			r, s = rune(s[1]), s[2:]
		}
		if len(dst)+utf8.RuneLen(r) > limit {
			return dst, false
		}
		dst = utf8.AppendRune(dst, r)
	}
	return dst, true
}
