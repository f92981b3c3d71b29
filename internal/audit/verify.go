package audit

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"
)

// Kinds of [Problem]: what a broken chain says happened to the stream.
const (
	ProblemRemoved    = "removed"    // seq numbers missing inside the stream
	ProblemReordered  = "reordered"  // a record appears after a later one
	ProblemEdited     = "edited"     // a record's bytes no longer match the hash its successor holds, or it is not a chained JSON record
	ProblemDuplicated = "duplicated" // a seq appears twice
)

// maxProblems bounds the problems a Report lists; the rest are counted.
const maxProblems = 1000

// Problem is one sign of tampering found by [Verifier].
type Problem struct {
	Kind    string `json:"kind"`
	Pos     int64  `json:"pos"`           // line number (file) or rowid (store) where it shows
	Seq     uint64 `json:"seq,omitempty"` // the seq concerned, when known
	Message string `json:"message"`
}

// GapRecord is a gap event found in the stream: a loss the gateway itself
// recorded (see [TypeGap]). It is not tampering.
type GapRecord struct {
	Pos     int64  `json:"pos"`
	Seq     uint64 `json:"seq,omitempty"`
	EventID string `json:"event_id"`
	Sink    string `json:"sink"`
	Count   uint64 `json:"count"`
	Reason  string `json:"reason"`
	Torn    bool   `json:"torn_line,omitempty"`
}

// Report is the result of verifying one stream.
type Report struct {
	Unit      string `json:"unit"`      // "line" or "row": what Pos counts
	Records   int64  `json:"records"`   // records read
	Unchained int64  `json:"unchained"` // records before the first chained one (written before schema 1.5)
	FirstSeq  uint64 `json:"first_seq"`
	LastSeq   uint64 `json:"last_seq"`
	// Head is the SHA-256 (hex) of the last record: compare it with a copy
	// kept elsewhere to detect a truncated tail, which no chain can show.
	Head         string      `json:"head"`
	Problems     []Problem   `json:"problems"`
	MoreProblems int         `json:"more_problems,omitempty"` // problems beyond those listed
	Gaps         []GapRecord `json:"gaps"`
	Notes        []string    `json:"notes"`
}

// Intact reports whether no tampering was found.
func (r *Report) Intact() bool { return len(r.Problems) == 0 && r.MoreProblems == 0 }

// Verifier checks the chain of one stream, record by record, in the order
// the stream holds them; [VerifyJSONL] and the store's verification feed
// it. It keeps a bounded window of recent records, so memory does not grow
// with the stream; a record moved further than the window is still
// reported, only with less context. Not safe for concurrent use.
type Verifier struct {
	rep      Report
	started  bool
	retained uint64            // seq numbers up to this were deleted by retention
	prev     [sha256.Size]byte // hash of the last parsable record
	havePrev bool
	prevPos  int64
	maxSeq   uint64

	recent  map[uint64]seen // by seq, the last recentMax chained records
	ring    []uint64
	ringPos int
	missing []seqRange // seqs jumped over and not seen yet, in order
	// expects[s] is the hash the record after s said s has, while s has
	// not been seen (it is missing, or comes later: reordered).
	expects map[uint64]expect
	invalid *invalidRec // an unparsable record, judged by the one after it
}

type seen struct {
	hash [sha256.Size]byte
	pos  int64
}

type expect struct {
	prev string
	pos  int64
}

type seqRange struct {
	lo, hi uint64 // inclusive
	pos    int64  // where the jump showed
}

type invalidRec struct {
	pos int64
	err string
}

const (
	recentMax  = 4096
	expectsMax = 1 << 16
)

// NewVerifier returns a Verifier; unit names what positions count ("line"
// for a file, "row" for the store).
func NewVerifier(unit string) *Verifier {
	return &Verifier{rep: Report{Unit: unit}, recent: make(map[uint64]seen), expects: make(map[uint64]expect)}
}

// record is the part of an event the verifier reads.
type record struct {
	Type    string          `json:"type"`
	EventID string          `json:"event_id"`
	Chain   *Chain          `json:"chain"`
	Detail  json.RawMessage `json:"detail"`
}

type gapDetail struct {
	Sink     string `json:"sink"`
	Count    uint64 `json:"count"`
	Reason   string `json:"reason"`
	TornLine bool   `json:"torn_line"`
}

// parseRecord reads the fields the verifier needs from one record (a JSON
// object). It fails on anything else, including a chain field of the wrong
// shape.
func parseRecord(data []byte) (rec record, err error) {
	t := bytes.TrimLeft(data, " \t\r\n")
	if len(t) == 0 || t[0] != '{' {
		return record{}, errors.New("not a JSON object")
	}
	if err := json.Unmarshal(data, &rec); err != nil {
		return record{}, err
	}
	if rec.Chain != nil && rec.Chain.Prev != "" {
		if len(rec.Chain.Prev) != 2*sha256.Size {
			return record{}, fmt.Errorf("chain.prev is not a SHA-256 in hex: %.80q", rec.Chain.Prev)
		}
		if _, err := hex.DecodeString(rec.Chain.Prev); err != nil {
			return record{}, fmt.Errorf("chain.prev is not a SHA-256 in hex: %.80q", rec.Chain.Prev)
		}
	}
	return rec, nil
}

func (v *Verifier) problem(kind string, pos int64, seq uint64, format string, args ...any) {
	if len(v.rep.Problems) >= maxProblems {
		v.rep.MoreProblems++
		return
	}
	v.rep.Problems = append(v.rep.Problems, Problem{Kind: kind, Pos: pos, Seq: seq, Message: fmt.Sprintf(format, args...)})
}

func (v *Verifier) note(format string, args ...any) {
	if len(v.rep.Notes) < maxProblems {
		v.rep.Notes = append(v.rep.Notes, fmt.Sprintf(format, args...))
	}
}

// Add checks the next record of the stream: data is its exact bytes (a
// line without its newline; a row's data), pos its line number or rowid.
func (v *Verifier) Add(pos int64, data []byte) {
	v.rep.Records++
	h := sha256.Sum256(data)
	rec, err := parseRecord(data)
	if inv := v.invalid; inv != nil {
		v.invalid = nil
		if err == nil && rec.Type == TypeGap && gapOf(rec).TornLine {
			v.note("%s %d: a line torn by a failed write or a crash, recorded by the gap event on %s %d", v.rep.Unit, inv.pos, v.rep.Unit, pos)
		} else {
			v.problem(ProblemEdited, inv.pos, 0, "%s %d is not a valid audit record (%s)", v.rep.Unit, inv.pos, inv.err)
		}
	}
	if err != nil {
		// The bytes of a torn line are not in the chain: the record after
		// it links to the one before, so v.prev stays.
		v.invalid = &invalidRec{pos: pos, err: err.Error()}
		return
	}
	defer func() {
		v.prev, v.havePrev, v.prevPos = h, true, pos
		v.rep.Head = hex.EncodeToString(h[:])
	}()
	if rec.Type == TypeGap {
		g := gapOf(rec)
		gr := GapRecord{Pos: pos, EventID: rec.EventID, Sink: g.Sink, Count: g.Count, Reason: g.Reason, Torn: g.TornLine}
		if rec.Chain != nil {
			gr.Seq = rec.Chain.Seq
		}
		v.rep.Gaps = append(v.rep.Gaps, gr)
	}
	c := rec.Chain
	if c == nil {
		if !v.started {
			v.rep.Unchained++
			return
		}
		v.problem(ProblemEdited, pos, 0, "%s %d has no chain field, inside the chained part of the stream (replaced or rewritten)", v.rep.Unit, pos)
		return
	}
	prevHex := ""
	if v.havePrev {
		prevHex = hex.EncodeToString(v.prev[:])
	}
	switch {
	case !v.started:
		v.started = true
		v.rep.FirstSeq = c.Seq
		switch {
		case c.Seq != 1:
			v.note("the chain starts at seq %d (%s %d): the records before it are not here (retention, rotation, or a removed head: a chain cannot tell which)", c.Seq, v.rep.Unit, pos)
		case v.havePrev && c.Prev != prevHex:
			v.problem(ProblemEdited, v.prevPos, 0, "%s %d (the last record before the chain) was edited: its hash is not the prev of seq 1 on %s %d", v.rep.Unit, v.prevPos, v.rep.Unit, pos)
		case !v.havePrev && c.Prev != "":
			v.note("seq 1 (%s %d) links to a record that is not in this stream", v.rep.Unit, pos)
		}
	case c.Seq == 1 && v.havePrev && c.Prev == prevHex:
		// A writer continued a stream whose last record had no readable
		// chain: a new sequence, still linked to the record before.
		v.flushMissing()
		v.note("%s %d: the chain restarts at seq 1, linked to the record before it", v.rep.Unit, pos)
		clear(v.recent)
		clear(v.expects)
		v.ring, v.ringPos, v.maxSeq = v.ring[:0], 0, 0
	case c.Seq <= v.maxSeq:
		if v.takeMissing(c.Seq) {
			v.problem(ProblemReordered, pos, c.Seq, "%s %d: seq %d comes after seq %d (moved)", v.rep.Unit, pos, c.Seq, v.maxSeq)
			break
		}
		if s, ok := v.recent[c.Seq]; ok {
			if s.hash == h {
				v.problem(ProblemDuplicated, pos, c.Seq, "%s %d: seq %d is a copy of %s %d", v.rep.Unit, pos, c.Seq, v.rep.Unit, s.pos)
			} else {
				v.problem(ProblemDuplicated, pos, c.Seq, "%s %d: seq %d appears again, with other content than %s %d", v.rep.Unit, pos, c.Seq, v.rep.Unit, s.pos)
			}
		} else {
			v.problem(ProblemDuplicated, pos, c.Seq, "%s %d: seq %d appears again (after seq %d)", v.rep.Unit, pos, c.Seq, v.maxSeq)
		}
		return // a copy is not checked further: its original was
	case c.Seq > v.maxSeq+1 && v.maxSeq > 0:
		v.missing = append(v.missing, seqRange{lo: v.maxSeq + 1, hi: c.Seq - 1, pos: pos})
	}
	v.checkLinks(pos, c, h)
	v.remember(c.Seq, h, pos)
	if c.Seq > v.maxSeq {
		v.maxSeq = c.Seq
	}
}

// checkLinks compares c.Prev with the hash of record c.Seq-1 (now, or when
// it shows up later) and the hash another record expected of this one.
func (v *Verifier) checkLinks(pos int64, c *Chain, h [sha256.Size]byte) {
	if c.Seq > 1 {
		p := c.Seq - 1
		if s, ok := v.recent[p]; ok {
			if hex.EncodeToString(s.hash[:]) != c.Prev {
				v.problem(ProblemEdited, s.pos, p, "%s %d (seq %d) was edited: its hash is not the prev that %s %d (seq %d) holds", v.rep.Unit, s.pos, p, v.rep.Unit, pos, c.Seq)
			}
		} else if v.isMissing(p) && len(v.expects) < expectsMax {
			v.expects[p] = expect{prev: c.Prev, pos: pos}
		}
	}
	if e, ok := v.expects[c.Seq]; ok {
		delete(v.expects, c.Seq)
		if e.prev != hex.EncodeToString(h[:]) {
			v.problem(ProblemEdited, pos, c.Seq, "%s %d (seq %d) was edited: its hash is not the prev that %s %d (seq %d) holds", v.rep.Unit, pos, c.Seq, v.rep.Unit, e.pos, c.Seq+1)
		}
	}
}

func (v *Verifier) remember(seq uint64, h [sha256.Size]byte, pos int64) {
	if len(v.ring) < recentMax {
		v.ring = append(v.ring, seq)
	} else {
		delete(v.recent, v.ring[v.ringPos])
		v.ring[v.ringPos] = seq
		v.ringPos = (v.ringPos + 1) % recentMax
	}
	v.recent[seq] = seen{hash: h, pos: pos}
}

func (v *Verifier) findMissing(seq uint64) int {
	i := sort.Search(len(v.missing), func(i int) bool { return v.missing[i].hi >= seq })
	if i < len(v.missing) && v.missing[i].lo <= seq {
		return i
	}
	return -1
}

func (v *Verifier) isMissing(seq uint64) bool { return v.findMissing(seq) >= 0 }

// takeMissing removes seq from the missing ranges and reports whether it
// was there.
func (v *Verifier) takeMissing(seq uint64) bool {
	i := v.findMissing(seq)
	if i < 0 {
		return false
	}
	r := v.missing[i]
	switch {
	case r.lo == r.hi:
		v.missing = append(v.missing[:i], v.missing[i+1:]...)
	case seq == r.lo:
		v.missing[i].lo++
	case seq == r.hi:
		v.missing[i].hi--
	default:
		v.missing[i].hi = seq - 1
		v.missing = append(v.missing[:i+1], append([]seqRange{{lo: seq + 1, hi: r.hi, pos: r.pos}}, v.missing[i+1:]...)...)
	}
	return true
}

// RetainedThrough tells the verifier that records up to seq through were
// deleted by retention (store.retention): missing seq numbers at or below
// it are noted, not reported as removed.
func (v *Verifier) RetainedThrough(through uint64) { v.retained = through }

func (v *Verifier) flushMissing() {
	for _, r := range v.missing {
		if r.hi <= v.retained {
			v.note("seq %d to %d were deleted by retention (before %s %d)", r.lo, r.hi, v.rep.Unit, r.pos)
			continue
		}
		if r.lo == r.hi {
			v.problem(ProblemRemoved, r.pos, r.lo, "seq %d is missing (1 record removed before %s %d)", r.lo, v.rep.Unit, r.pos)
		} else {
			v.problem(ProblemRemoved, r.pos, r.lo, "seq %d to %d are missing (%d records removed before %s %d)", r.lo, r.hi, r.hi-r.lo+1, v.rep.Unit, r.pos)
		}
	}
	v.missing = v.missing[:0]
}

// Finish ends the stream and returns the report. tornTail says the stream
// ended without a newline (a file whose last write was cut short): an
// unparsable last record is then a torn line, not an edit.
func (v *Verifier) Finish(tornTail bool) Report {
	if inv := v.invalid; inv != nil {
		v.invalid = nil
		if tornTail {
			v.note("%s %d: the last line is torn (a crash in the middle of a write); the gateway records it with a gap event when it opens the file again", v.rep.Unit, inv.pos)
		} else {
			v.problem(ProblemEdited, inv.pos, 0, "%s %d is not a valid audit record (%s)", v.rep.Unit, inv.pos, inv.err)
		}
	}
	v.flushMissing()
	v.rep.LastSeq = v.maxSeq
	if v.rep.Problems == nil {
		v.rep.Problems = []Problem{}
	}
	if v.rep.Gaps == nil {
		v.rep.Gaps = []GapRecord{}
	}
	if v.rep.Notes == nil {
		v.rep.Notes = []string{}
	}
	if v.rep.Unchained > 0 {
		v.note("%d record(s) before the chain starts (written before schema 1.5): not covered", v.rep.Unchained)
	}
	sort.SliceStable(v.rep.Problems, func(i, j int) bool { return v.rep.Problems[i].Pos < v.rep.Problems[j].Pos })
	return v.rep
}

func gapOf(rec record) gapDetail {
	var g gapDetail
	_ = json.Unmarshal(rec.Detail, &g) // a field of another type stays zero
	return g
}

// VerifyJSONL verifies the chain of a JSONL audit stream (see [Verifier]).
// The error is for reading r only; what the stream holds is in the report.
func VerifyJSONL(r io.Reader) (Report, error) {
	v := NewVerifier("line")
	br := bufio.NewReaderSize(r, 64<<10)
	var line int64
	for {
		b, err := br.ReadBytes('\n')
		if len(b) > 0 {
			line++
			torn := b[len(b)-1] != '\n'
			if !torn {
				b = b[:len(b)-1]
			}
			v.Add(line, b)
			if torn {
				return v.Finish(true), nil
			}
		}
		if err == io.EOF {
			return v.Finish(false), nil
		}
		if err != nil {
			return v.Finish(false), err
		}
	}
}
