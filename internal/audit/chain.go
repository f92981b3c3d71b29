package audit

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"strconv"
)

// Chain links a record to the record before it in the same stream (one
// sink's output: the JSONL file, the store). Sinks add it to the bytes they
// write, after redaction, so it is never redacted and never shared between
// sinks: each stream has its own sequence. See docs/audit-events.md.
type Chain struct {
	// Seq is the record's position in its stream, from 1, one more than
	// the record before it.
	Seq uint64 `json:"seq"`
	// Prev is the SHA-256 (hex) of the previous record's exact bytes as
	// written (a JSONL line without its newline; a store row's data), or
	// "" for the first record of a new stream.
	Prev string `json:"prev"`
}

// ChainHead is the end of a stream: the last record's seq and the hash of
// its bytes. The zero value is an empty stream. A ChainHead is a value:
// [ChainHead.Append] returns the next head, which the sink keeps only once
// the record is written, so a failed write leaves no hole in the sequence.
type ChainHead struct {
	Seq  uint64
	Hash [sha256.Size]byte
	// Linked is false for an empty stream (the next record's prev is "").
	Linked bool
}

// HeadOf returns the head of a stream whose last record is rec. A record
// without a chain (written before schema 1.5, or not JSON) gives seq 0: the
// next record starts a chain at seq 1 that still links to rec.
func HeadOf(rec []byte) ChainHead {
	h := ChainHead{Hash: sha256.Sum256(rec), Linked: true}
	if c, ok := chainOf(rec); ok {
		h.Seq = c.Seq
	}
	return h
}

// HashHex is the hex SHA-256 of the head record ("" for an empty stream).
func (h ChainHead) HashHex() string {
	if !h.Linked {
		return ""
	}
	return hex.EncodeToString(h.Hash[:])
}

// Append appends rec (one serialized event: a JSON object, as
// [MarshalEvent] returns it) to dst with the field
// "chain":{"seq":N,"prev":"<hex>"} added before its closing brace, and
// returns the head the stream has once that record is written. rec is not
// re-encoded: the bytes before the brace are kept as they are. A rec that
// does not end in '}' is appended unchanged (it cannot be linked; the
// verifier reports it) and the head still advances over its bytes.
func (h ChainHead) Append(dst, rec []byte) ([]byte, ChainHead) {
	start := len(dst)
	end := len(rec)
	for end > 0 && isJSONSpace(rec[end-1]) {
		end--
	}
	if end == 0 || rec[end-1] != '}' {
		dst = append(dst, rec...)
		return dst, ChainHead{Seq: h.Seq, Hash: sha256.Sum256(dst[start:]), Linked: true}
	}
	body := rec[:end-1]
	dst = append(dst, body...)
	i := len(body) - 1
	for i >= 0 && isJSONSpace(body[i]) {
		i--
	}
	if i >= 0 && body[i] != '{' {
		dst = append(dst, ',')
	}
	dst = append(dst, `"chain":{"seq":`...)
	dst = strconv.AppendUint(dst, h.Seq+1, 10)
	dst = append(dst, `,"prev":"`...)
	if h.Linked {
		dst = hex.AppendEncode(dst, h.Hash[:])
	}
	dst = append(dst, `"}}`...)
	return dst, ChainHead{Seq: h.Seq + 1, Hash: sha256.Sum256(dst[start:]), Linked: true}
}

func isJSONSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

// chainOf reads the chain field of a record. It is cheap for records the
// sinks wrote (the field is last) and correct for any JSON object.
func chainOf(rec []byte) (Chain, bool) {
	var r struct {
		Chain *Chain `json:"chain"`
	}
	if err := json.Unmarshal(rec, &r); err != nil || r.Chain == nil {
		return Chain{}, false
	}
	return *r.Chain, true
}

// lastLine splits the tail of a JSONL stream: last is the last complete
// line (without its newline), torn the bytes after the last newline (a
// line a crash cut short), both possibly empty.
func lastLine(tail []byte) (last, torn []byte) {
	i := bytes.LastIndexByte(tail, '\n')
	if i < 0 {
		return nil, tail
	}
	torn = tail[i+1:]
	j := bytes.LastIndexByte(tail[:i], '\n')
	return tail[j+1 : i], torn
}
