package audit

import (
	"bytes"
	"encoding/json"
)

// minBase64Run is the shortest run of base64 characters ContainsBase64
// considers an encoded blob (24 chars = 18 bytes of payload).
const minBase64Run = 24

// Character classes for the scanner.
const (
	cUpper   uint8 = 1 << iota // A-Z
	cLower                     // a-z
	cDigit                     // 0-9
	cStd                       // + /   (standard alphabet only)
	cURL                       // - _   (URL-safe alphabet only)
	cAlnum   = cUpper | cLower | cDigit
	cStdRun  = cAlnum | cStd
	cURLRun  = cAlnum | cURL
	notFound = -1
)

var (
	charClass [256]uint8
	b64Value  [256]uint8 // 6-bit value in either alphabet
	isVowel   = [256]bool{'a': true, 'e': true, 'i': true, 'o': true, 'u': true, 'y': true}
)

func init() {
	for c := 'A'; c <= 'Z'; c++ {
		charClass[c] = cUpper
		b64Value[c] = uint8(c - 'A')
	}
	for c := 'a'; c <= 'z'; c++ {
		charClass[c] = cLower
		b64Value[c] = uint8(c-'a') + 26
	}
	for c := '0'; c <= '9'; c++ {
		charClass[c] = cDigit
		b64Value[c] = uint8(c-'0') + 52
	}
	charClass['+'], b64Value['+'] = cStd, 62
	charClass['/'], b64Value['/'] = cStd, 63
	charClass['-'], b64Value['-'] = cURL, 62
	charClass['_'], b64Value['_'] = cURL, 63
}

// ContainsBase64 reports whether any JSON string in raw (object keys
// included, at any depth) looks like it carries base64-encoded data:
//
//   - a data: URI with ";base64,", or
//   - a run of at least 24 characters of the standard (A-Z a-z 0-9 + /) or
//     URL-safe (A-Z a-z 0-9 - _) alphabet, optionally followed by '='
//     padding, that decodes cleanly (valid length, zero trailing bits) and
//     looks random rather than like an ordinary identifier: it must mix
//     upper case, lower case and digits (or '+' / '/' for the standard
//     alphabet), and no more than half of it may consist of word-like
//     letter runs ("Users", "request", ...).
//
// Hex digests, UUIDs, file paths, URLs, long English words and camelCase
// identifiers are therefore not reported. JSON escapes (\u002b, \/ ...) are
// decoded before matching. The function does not allocate for strings
// without escapes, accepts invalid JSON (it then scans whatever quoted text
// it finds) and never panics.
func ContainsBase64(raw json.RawMessage) bool {
	var scratch [512]byte
	n := len(raw)
	i := 0
	for i < n {
		q := bytes.IndexByte(raw[i:], '"')
		if q < 0 {
			return false
		}
		i += q + 1
		start := i
		escaped := false
		if k := bytes.IndexByte(raw[i:], '"'); k >= 0 && bytes.IndexByte(raw[i:i+k], '\\') < 0 {
			i += k // no escape before the next quote: it closes the string
		}
		for i < n {
			c := raw[i]
			if c == '"' {
				break
			}
			if c == '\\' {
				escaped = true
				i += 2
				continue
			}
			i++
		}
		end := i
		if end > n {
			end = n
		}
		i++ // closing quote
		s := raw[start:end]
		if escaped {
			s = unescapeForScan(scratch[:0], s)
		}
		if stringHasBase64(s) {
			return true
		}
	}
	return false
}

// unescapeForScan decodes JSON string escapes into dst. Every character
// that is not ASCII (and every malformed escape) becomes 0x80, which is not
// in either base64 alphabet; that is all the scanner needs.
func unescapeForScan(dst, s []byte) []byte {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '\\' {
			dst = append(dst, c)
			continue
		}
		if i+1 >= len(s) {
			dst = append(dst, 0x80)
			break
		}
		i++
		switch s[i] {
		case '"', '\\', '/':
			dst = append(dst, s[i])
		case 'b':
			dst = append(dst, '\b')
		case 'f':
			dst = append(dst, '\f')
		case 'n':
			dst = append(dst, '\n')
		case 'r':
			dst = append(dst, '\r')
		case 't':
			dst = append(dst, '\t')
		case 'u':
			r, ok := hex4(s[i+1:])
			if !ok {
				dst = append(dst, 0x80)
				continue
			}
			i += 4
			if r < 0x80 {
				dst = append(dst, byte(r))
			} else {
				dst = append(dst, 0x80)
			}
		default:
			dst = append(dst, 0x80)
		}
	}
	return dst
}

func hex4(s []byte) (rune, bool) {
	if len(s) < 4 {
		return 0, false
	}
	var r rune
	for _, c := range s[:4] {
		var v byte
		switch {
		case c >= '0' && c <= '9':
			v = c - '0'
		case c >= 'a' && c <= 'f':
			v = c - 'a' + 10
		case c >= 'A' && c <= 'F':
			v = c - 'A' + 10
		default:
			return 0, false
		}
		r = r<<4 | rune(v)
	}
	return r, true
}

// stringHasBase64 applies the rules of ContainsBase64 to one decoded string.
func stringHasBase64(s []byte) bool {
	if bytes.IndexByte(s, ';') >= 0 && isDataBase64URI(s) {
		return true
	}
	if len(s) < minBase64Run {
		return false
	}
	// Only a maximal run of characters of either alphabet can hold a
	// standard or a URL-safe run (every other byte ends both), so runs
	// shorter than the minimum, the words of ordinary text, are skipped
	// without the per-alphabet bookkeeping.
	for i := 0; i < len(s); {
		if charClass[s[i]]&(cStdRun|cURLRun) == 0 {
			i++
			continue
		}
		j := i + 1
		for j < len(s) && charClass[s[j]]&(cStdRun|cURLRun) != 0 {
			j++
		}
		if j-i >= minBase64Run && runHasBase64(s[i:j]) {
			return true
		}
		i = j
	}
	return false
}

// runHasBase64 looks for an encoded standard or URL-safe run within a run
// of characters of either alphabet.
func runHasBase64(s []byte) bool {
	stdStart, urlStart := notFound, notFound
	for i := 0; i <= len(s); i++ {
		var cls uint8
		if i < len(s) {
			cls = charClass[s[i]]
		}
		if cls&cStdRun != 0 && cls&cURL == 0 {
			if stdStart == notFound {
				stdStart = i
			}
		} else if stdStart != notFound {
			if i-stdStart >= minBase64Run && looksEncoded(s[stdStart:i], true) {
				return true
			}
			stdStart = notFound
		}
		if cls&cURLRun != 0 && cls&cStd == 0 {
			if urlStart == notFound {
				urlStart = i
			}
		} else if urlStart != notFound {
			if i-urlStart >= minBase64Run && looksEncoded(s[urlStart:i], false) {
				return true
			}
			urlStart = notFound
		}
	}
	return false
}

// isDataBase64URI reports whether s contains "data:" followed later by
// ";base64," (ASCII case-insensitive).
func isDataBase64URI(s []byte) bool {
	for off := 0; ; {
		j := bytes.IndexByte(s[off:], ';')
		if j < 0 {
			return false
		}
		p := off + j
		if hasPrefixFold(s[p+1:], "base64,") && containsFold(s[:p], "data:") {
			return true
		}
		off = p + 1
	}
}

func hasPrefixFold(s []byte, prefix string) bool {
	if len(s) < len(prefix) {
		return false
	}
	for i := 0; i < len(prefix); i++ {
		if lowerASCII(s[i]) != prefix[i] {
			return false
		}
	}
	return true
}

func containsFold(s []byte, sub string) bool {
	for i := 0; i+len(sub) <= len(s); i++ {
		if hasPrefixFold(s[i:], sub) {
			return true
		}
	}
	return false
}

func lowerASCII(c byte) byte {
	if c >= 'A' && c <= 'Z' {
		return c + ('a' - 'A')
	}
	return c
}

// looksEncoded decides whether a maximal alphabet run (len >= 24) is an
// encoded blob rather than an identifier, word, path or digest.
func looksEncoded(r []byte, std bool) bool {
	// Decodes cleanly as unpadded base64: a length of 4k+1 is impossible,
	// and the unused low bits of the last character must be zero.
	last := b64Value[r[len(r)-1]]
	switch len(r) % 4 {
	case 1:
		return false
	case 2:
		if last&0x0f != 0 {
			return false
		}
	case 3:
		if last&0x03 != 0 {
			return false
		}
	}

	// Character mix and word-likeness in one pass.
	var seen uint8
	wordChars := 0 // letters in word-like lower-case runs (plus a leading capital)
	lowerRun, vowels := 0, 0
	capBefore := false
	flush := func() {
		// Word-like: at least 3 letters with a vowel ("src", "Users");
		// random runs like "fnv" or "xqzt" do not count.
		if lowerRun >= 3 && vowels > 0 {
			wordChars += lowerRun
			if capBefore {
				wordChars++
			}
		}
	}
	for i, c := range r {
		cls := charClass[c]
		seen |= cls
		if cls == cLower {
			if lowerRun == 0 {
				capBefore = i > 0 && charClass[r[i-1]] == cUpper
			}
			lowerRun++
			if isVowel[c] {
				vowels++
			}
			continue
		}
		flush()
		lowerRun, vowels = 0, 0
	}
	flush()

	if seen&cUpper == 0 || seen&cLower == 0 {
		return false // hex digests, UUIDs, lower-case words, CONSTANTS
	}
	if seen&cDigit == 0 && !(std && seen&cStd != 0) {
		return false
	}
	return wordChars*2 < len(r)
}
