package detect

import (
	"encoding/json"
	"strconv"
	"unicode"
	"unsafe"
)

// Content fingerprints let the engine see data move from one server's tool
// to another's without keeping the data: a result's text is reduced to
// hashes of overlapping word runs (shingles) and of long distinctive tokens
// (identifiers, keys, addresses), and an argument that shares them carries
// the same content, re-wrapped or reformatted as it may be.

const (
	shingleWords   = 6         // words per shingle
	maxFingerprint = 64        // hashes kept per text (the smallest: a min-hash sample)
	minTokenLen    = 8         // shorter tokens are never distinctive
	maxFPBytes     = 64 * 1024 // text examined per value
)

// Fingerprints returns the fingerprints of text: the smallest hashes of its
// word shingles and of its distinctive tokens, at most 64, sorted.
func Fingerprints(text string) []uint64 {
	var t fpText
	t.set.reset()
	// read only: the bytes of text are not copied
	t.add(unsafe.Slice(unsafe.StringData(text), len(text)))
	t.done()
	return t.set.list()
}

// distinctive: a token that mixes letters and digits (an account number,
// a key), a long mixed-case one (a token), or a long run of digits (a card
// number) is an identifier or a secret rather than a word. Dates and short
// numbers are not.
func distinctive(w string) bool {
	var digits, upper, lower int
	for _, r := range w {
		switch {
		case r >= '0' && r <= '9':
			digits++
		case unicode.IsUpper(r):
			upper++
		case unicode.IsLower(r):
			lower++
		}
	}
	letters := upper + lower
	return (digits > 0 && letters > 0) || (upper > 0 && lower > 0 && len(w) >= 12) || (letters == 0 && digits >= 16)
}

// ValueFingerprints fingerprints every string in a JSON document (a
// result or arguments), as one text per string, in one pass over the
// document's bytes (fpjson.go). A document that is not JSON has none.
func ValueFingerprints(doc json.RawMessage) []uint64 {
	return valueFingerprints(doc)
}

// EncodeFingerprints is the compact form carried in an audit event
// (detail.result_fp): hex strings.
func EncodeFingerprints(fp []uint64) []string {
	out := make([]string, len(fp))
	for i, x := range fp {
		out[i] = strconv.FormatUint(x, 16)
	}
	return out
}

// FingerprintVersion is the definition of the fingerprints (fpfast.go),
// carried next to them in an audit event (detail.result_fp_v). Version 1
// (events without result_fp_v, before 2026-11) hashed shingles with FNV-1a
// over their bytes; fingerprints of different versions never match, so
// the engine ignores an event's fingerprints of another version.
const FingerprintVersion = 2

// resultFingerprints reads an event's detail.result_fp back (as the
// gateway set it, or as read from JSON), or nothing when they are of
// another version than FingerprintVersion (or have none).
func resultFingerprints(detail map[string]any) []uint64 {
	v, ok := detail["result_fp"]
	if !ok {
		return nil
	}
	switch n := detail["result_fp_v"].(type) {
	case int:
		ok = n == FingerprintVersion
	case float64: // read from JSON
		ok = n == FingerprintVersion
	case json.Number:
		ok = string(n) == strconv.Itoa(FingerprintVersion)
	default:
		ok = false
	}
	if !ok {
		return nil
	}
	return decodeFingerprints(v)
}

// decodeFingerprints reads detail.result_fp back (as the gateway set it,
// or as read from JSON).
func decodeFingerprints(v any) []uint64 {
	var list []string
	switch t := v.(type) {
	case []string:
		list = t
	case []any:
		for _, x := range t {
			if s, ok := x.(string); ok {
				list = append(list, s)
			}
		}
	}
	out := make([]uint64, 0, len(list))
	for _, s := range list {
		if n, err := strconv.ParseUint(s, 16, 64); err == nil {
			out = append(out, n)
		}
	}
	return out
}
