package jsonrpc

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"math/bits"
)

var errSplice = errors.New("jsonrpc: not a JSON object")

var (
	spliceComma = []byte{','}
	spliceColon = []byte{':'}
)

// spliceKV returns obj (a JSON object that passed Strict, so its keys are
// unique) with the values of the top-level keys[n] replaced by vals[n], or
// added when absent (in the order given; a nil value is not added), and
// every other byte kept as it was. keys must be distinct.
//
// It scans once, without decoding values, and builds the result from slices
// of obj and the new values with one copy into one allocation of the exact
// size that is not zeroed first (bytes.Join), so changing the id of a large
// result costs one memmove.
func spliceKV(obj []byte, keys []string, vals [][]byte) ([]byte, error) {
	i := skipWS(obj, 0)
	if i >= len(obj) || obj[i] != '{' {
		return nil, errSplice
	}
	var doneBuf [4]bool
	var done []bool
	if len(keys) <= len(doneBuf) {
		done = doneBuf[:len(keys)]
	} else {
		done = make([]bool, len(keys))
	}
	var pieceBuf [16][]byte
	pieces := pieceBuf[:0]
	last := 0 // obj[last:] not yet taken
	i++
	members := 0
	for {
		kStart, kEnd, end, err := nextKey(obj, i)
		if err != nil {
			return nil, err
		}
		if end >= 0 {
			i = end
			break
		}
		which := -1
		if raw := obj[kStart+1 : kEnd-1]; bytes.IndexByte(raw, '\\') < 0 {
			for n, k := range keys {
				if string(raw) == k {
					which = n
					break
				}
			}
		} else {
			var key string
			if err := json.Unmarshal(obj[kStart:kEnd], &key); err != nil {
				return nil, err
			}
			for n, k := range keys {
				if key == k {
					which = n
					break
				}
			}
		}
		vStart, vEnd, err := memberValue(obj, kEnd)
		if err != nil {
			return nil, err
		}
		if which >= 0 && !done[which] {
			pieces = append(pieces, obj[last:vStart], vals[which])
			last = vEnd
			done[which] = true
		}
		members++
		i = vEnd
	}
	// i is at the closing brace: add the keys that were absent.
	pieces = append(pieces, obj[last:i])
	for n, k := range keys {
		v := vals[n]
		if done[n] || v == nil {
			continue
		}
		if members > 0 {
			pieces = append(pieces, spliceComma)
		}
		kb, _ := json.Marshal(k)
		pieces = append(pieces, kb, spliceColon, v)
		members++
	}
	pieces = append(pieces, obj[i:])
	return bytes.Join(pieces, nil), nil
}

// nextKey reads, from obj[i] (just past the opening brace or the previous
// member's value), either the closing brace, whose offset it returns as end,
// or the next member's key, whose quotes are at obj[kStart] and obj[kEnd-1]
// (end is then -1).
func nextKey(obj []byte, i int) (kStart, kEnd, end int, err error) {
	i = skipWS(obj, i)
	if i >= len(obj) {
		return 0, 0, -1, errSplice
	}
	if obj[i] == '}' {
		return 0, 0, i, nil
	}
	if obj[i] == ',' {
		i = skipWS(obj, i+1)
	}
	kEnd, err = skipString(obj, i)
	if err != nil {
		return 0, 0, -1, err
	}
	return i, kEnd, -1, nil
}

// memberValue reads the ':' after the key ending at kEnd and the value after
// it, and returns the value's offsets.
func memberValue(obj []byte, kEnd int) (vStart, vEnd int, err error) {
	i := skipWS(obj, kEnd)
	if i >= len(obj) || obj[i] != ':' {
		return 0, 0, errSplice
	}
	vStart = skipWS(obj, i+1)
	vEnd, err = skipValue(obj, vStart)
	if err != nil {
		return 0, 0, err
	}
	return vStart, vEnd, nil
}

func skipWS(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
		i++
	}
	return i
}

// skipString returns the index after the string starting at b[i].
func skipString(b []byte, i int) (int, error) {
	if i >= len(b) || b[i] != '"' {
		return 0, errSplice
	}
	// The string ends at the first quote preceded by an even number of
	// backslashes. IndexByte is vectorised: long strings cost little.
	for j := i + 1; j < len(b); {
		k := bytes.IndexByte(b[j:], '"')
		if k < 0 {
			break
		}
		j += k
		n := 0
		for p := j - 1; p > i && b[p] == '\\'; p-- {
			n++
		}
		if n%2 == 0 {
			return j + 1, nil
		}
		j++
	}
	return 0, errSplice
}

// structural8 returns, for the eight bytes of w (little-endian), a mask with
// bit 7 set in the lane of every byte that is '"', '{', '}', '[' or ']', and
// possibly of a 0x02 byte (which the caller then looks at and passes over).
// Setting bit 5 maps '[' to '{', ']' to '}' and 0x02 to '"'; a lane is then
// tested for equality on its low seven bits and its high bit apart, so no
// carry crosses lanes and no other byte is marked.
func structural8(w uint64) uint64 {
	x := w | 0x20*swarOnes
	q := x ^ '"'*swarOnes
	o := x ^ '{'*swarOnes
	c := x ^ '}'*swarOnes
	// Bit 7 of a lane of ((v&low7)+low7)|v is set when the lane is not 0.
	return ^((((q & swarLow7) + swarLow7) | q) & (((o & swarLow7) + swarLow7) | o) & (((c & swarLow7) + swarLow7) | c)) & swarHigh
}

// skipValue returns the index after the value starting at b[i].
func skipValue(b []byte, i int) (int, error) {
	if i >= len(b) {
		return 0, errSplice
	}
	switch b[i] {
	case '"':
		return skipString(b, i)
	case '{', '[':
		depth := 0
		for j := i; j < len(b); {
			// Pass over numbers, literals, separators and white
			// space a word at a time; strings are skipped whole.
			for j+8 <= len(b) {
				m := structural8(binary.LittleEndian.Uint64(b[j:]))
				if m != 0 {
					j += bits.TrailingZeros64(m) >> 3
					break
				}
				j += 8
			}
			if j >= len(b) {
				break
			}
			switch b[j] {
			case '"':
				e, err := skipString(b, j)
				if err != nil {
					return 0, err
				}
				j = e
				continue
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					return j + 1, nil
				}
			}
			j++
		}
		return 0, errSplice
	default: // number, true, false, null
		j := i
		for j < len(b) && b[j] != ',' && b[j] != '}' && b[j] != ']' && b[j] != ' ' && b[j] != '\t' && b[j] != '\n' && b[j] != '\r' {
			j++
		}
		if j == i {
			return 0, errSplice
		}
		return j, nil
	}
}

// eachMember calls fn for each top-level member of the JSON object obj, in
// order, with the decoded key and the raw value, until fn returns false.
func eachMember(obj []byte, fn func(key string, val []byte) bool) error {
	i := skipWS(obj, 0)
	if i >= len(obj) || obj[i] != '{' {
		return errSplice
	}
	i++
	for {
		kStart, kEnd, end, err := nextKey(obj, i)
		if err != nil {
			return err
		}
		if end >= 0 {
			return nil
		}
		var key string
		if bytes.IndexByte(obj[kStart+1:kEnd-1], '\\') < 0 {
			key = string(obj[kStart+1 : kEnd-1])
		} else if err := json.Unmarshal(obj[kStart:kEnd], &key); err != nil {
			return err
		}
		vStart, vEnd, err := memberValue(obj, kEnd)
		if err != nil {
			return err
		}
		if !fn(key, obj[vStart:vEnd]) {
			return nil
		}
		i = vEnd
	}
}

// field returns the raw value of the top-level key in obj, or nil: the walk
// of eachMember, comparing keys in place so that nothing is allocated unless
// a key holds an escape.
func field(obj []byte, key string) []byte {
	i := skipWS(obj, 0)
	if i >= len(obj) || obj[i] != '{' {
		return nil
	}
	i++
	for {
		kStart, kEnd, end, err := nextKey(obj, i)
		if err != nil || end >= 0 {
			return nil
		}
		var match bool
		if raw := obj[kStart+1 : kEnd-1]; bytes.IndexByte(raw, '\\') < 0 {
			match = string(raw) == key
		} else {
			var k string
			if err := json.Unmarshal(obj[kStart:kEnd], &k); err != nil {
				return nil
			}
			match = k == key
		}
		vStart, vEnd, err := memberValue(obj, kEnd)
		if err != nil {
			return nil
		}
		if match {
			return obj[vStart:vEnd]
		}
		i = vEnd
	}
}
