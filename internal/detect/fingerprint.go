package detect

import (
	"encoding/json"
	"strconv"
	"unicode"

	"github.com/mcpwarden/mcpwarden/internal/jsonval"
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
	var set fpSet
	fingerprintInto(&set, text)
	return set.list()
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
// result or arguments), as one text per string.
func ValueFingerprints(doc json.RawMessage) []uint64 {
	v, err := jsonval.Decode(doc)
	if err != nil {
		return nil
	}
	// One set for every string: the smallest hashes of the union are the
	// smallest of each string's smallest.
	var set fpSet
	var walk func(v any, depth int)
	walk = func(v any, depth int) {
		if depth > 32 {
			return
		}
		switch t := v.(type) {
		case string:
			fingerprintInto(&set, t)
		case []any:
			for _, x := range t {
				walk(x, depth+1)
			}
		case map[string]any:
			typ, _ := t["type"].(string)
			for k, x := range t {
				if k == "type" || k == "mimeType" || k == "_meta" || k == "blob" || (k == "data" && (typ == "image" || typ == "audio")) {
					continue
				}
				walk(x, depth+1)
			}
		}
	}
	walk(v, 0)
	return set.list()
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
