package store

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
	"sync"
)

// The audit journal makes the store's synchronous record cheap. When the
// store is the only audit sink, a call's event must be recorded before the
// call is answered. Committing it to SQLite costs a transaction that
// writes a WAL frame for every B-tree the insert touches (the table, the
// event_id key and five indexes): about 120 µs. Appending it to a journal
// file costs one write(2) — the same durability as the WAL commit in
// synchronous=NORMAL mode (handed to the OS, not fsynced) — and the store
// then commits the journaled events in batches behind the call. The
// journal is emptied as the store catches up; after a crash, the next
// start replays into the store the events it holds that the store lacks.
//
// The journal is two segment files next to the database, written one at a
// time: when the active one exceeds journalSegmentMax and the other is
// empty (all its events stored), writing switches to the other, so a
// writer that is always busy still lets each segment be emptied in turn.

var journalSegmentMax int64 = 4 << 20 // a variable for tests

// journalFiles are the segment files' suffixes after the database path.
var journalFiles = [2]string{".audit-journal.0", ".audit-journal.1"}

// errJournalLocked means another process holds the store's journal.
var errJournalLocked = errors.New("another process writes this store's audit journal")

type journal struct {
	mu     sync.Mutex
	files  [2]*os.File
	size   [2]int64 // bytes in each segment
	count  [2]int64 // rows appended to each segment since it was emptied
	active int
	// switches counts the changes of active segment (for tests).
	switches int
	// torn: a failed write may have left part of a line that could not be
	// cut off; the next write starts on a fresh line (replay skips the
	// fragment).
	torn bool
}

// journalRecord is one line of the journal: the row's indexed columns and
// its data (the redacted event JSON, not chained: the chain is the
// table's, added when the row is committed).
type journalRecord struct {
	ID      string          `json:"id"`
	TimeNS  int64           `json:"t"`
	Type    string          `json:"ty"`
	Session string          `json:"se,omitempty"`
	Corr    string          `json:"co,omitempty"`
	Subject string          `json:"su,omitempty"`
	Server  string          `json:"sv,omitempty"`
	Tool    string          `json:"to,omitempty"`
	Action  string          `json:"ac,omitempty"`
	Data    json.RawMessage `json:"d"`
}

// openJournal opens (creating) the segment files of the store at dbPath
// and takes the lock. It returns errJournalLocked when another process
// holds it, and errNoJournal where file locks are not available.
func openJournal(dbPath string) (*journal, error) {
	j := &journal{}
	for i, suf := range journalFiles {
		f, err := os.OpenFile(dbPath+suf, os.O_RDWR|os.O_CREATE|os.O_APPEND, 0o600)
		if err != nil {
			j.closeFiles()
			return nil, fmt.Errorf("store: audit journal: %w", err)
		}
		j.files[i] = f
		if i == 0 {
			if err := lockFile(f); err != nil {
				j.closeFiles()
				return nil, err
			}
		}
	}
	return j, nil
}

func (j *journal) closeFiles() {
	for i, f := range j.files {
		if f != nil {
			_ = f.Close()
			j.files[i] = nil
		}
	}
}

// read returns the rows of both segments, oldest event first, and the
// number of lines that could not be read (a line torn by a crash).
func (j *journal) read() ([]eventRow, int, error) {
	var rows []eventRow
	bad := 0
	for _, f := range j.files {
		b, err := io.ReadAll(io.NewSectionReader(f, 0, 1<<62))
		if err != nil {
			return nil, 0, fmt.Errorf("store: read the audit journal: %w", err)
		}
		for len(b) > 0 {
			line := b
			if i := bytes.IndexByte(b, '\n'); i >= 0 {
				line, b = b[:i], b[i+1:]
			} else {
				b = nil
			}
			if len(bytes.TrimSpace(line)) == 0 {
				continue
			}
			var rec journalRecord
			if json.Unmarshal(line, &rec) != nil || rec.ID == "" || len(rec.Data) == 0 || rec.Data[0] != '{' {
				bad++
				continue
			}
			rows = append(rows, eventRow{id: rec.ID, timeNS: rec.TimeNS, typ: rec.Type, session: rec.Session, corr: rec.Corr,
				subject: rec.Subject, server: rec.Server, tool: rec.Tool, action: rec.Action, data: rec.Data})
		}
	}
	sort.SliceStable(rows, func(a, b int) bool { return rows[a].timeNS < rows[b].timeNS })
	return rows, bad, nil
}

// appendRows writes rows to the active segment in one write and sets each
// row's seg (segment + 1). On error nothing of rows counts as journaled.
func (j *journal) appendRows(rows []eventRow) error {
	bp := bufPoolJournal.Get().(*[]byte)
	buf := (*bp)[:0]
	defer func() {
		if cap(buf) <= 1<<20 {
			*bp = buf[:0]
			bufPoolJournal.Put(bp)
		}
	}()
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.files[0] == nil {
		return errors.New("store: the audit journal is closed")
	}
	if j.torn {
		buf = append(buf, '\n')
	}
	for i := range rows {
		var err error
		if buf, err = appendJournalRecord(buf, &rows[i]); err != nil {
			return err
		}
	}
	other := 1 - j.active
	if j.size[j.active] >= journalSegmentMax && j.count[other] == 0 {
		j.active = other
		j.switches++
	}
	a := j.active
	n, err := j.files[a].Write(buf)
	if err != nil {
		// Cut off what part of the batch reached the file, so the
		// journal holds only whole records of answered calls.
		if n > 0 && j.files[a].Truncate(j.size[a]) != nil {
			j.size[a] += int64(n)
			j.torn = true
		}
		return fmt.Errorf("store: write the audit journal: %w", err)
	}
	j.torn = false
	j.size[a] += int64(n)
	j.count[a] += int64(len(rows))
	for i := range rows {
		rows[i].seg = int8(a + 1)
	}
	return nil
}

var bufPoolJournal = sync.Pool{New: func() any { b := make([]byte, 0, 4096); return &b }}

// appendJournalRecord appends r as one journal line.
func appendJournalRecord(buf []byte, r *eventRow) ([]byte, error) {
	data := r.data
	if bytes.IndexByte(data, '\n') >= 0 {
		// A redactor's output with a line break outside strings: keep the
		// record on one line (a break inside a string is not JSON).
		var c bytes.Buffer
		if err := json.Compact(&c, data); err != nil {
			return buf, fmt.Errorf("store: event %s is not JSON: %w", r.id, err)
		}
		data = c.Bytes()
	}
	head, err := json.Marshal(journalRecord{ID: r.id, TimeNS: r.timeNS, Type: r.typ, Session: r.session, Corr: r.corr,
		Subject: r.subject, Server: r.server, Tool: r.tool, Action: r.action, Data: json.RawMessage("0")})
	if err != nil {
		return buf, err
	}
	// head ends in `"d":0}`: put the data in place of the 0 without
	// passing it through the encoder (which would check and copy it).
	buf = append(buf, head[:len(head)-2]...)
	buf = append(buf, data...)
	buf = append(buf, '}', '\n')
	return buf, nil
}

// release empties every segment whose rows are all resolved (committed
// or given up), given the writer's counts of resolved rows per segment;
// those counts restart at zero for an emptied segment.
func (j *journal) release(resolved *[2]int64) error {
	j.mu.Lock()
	defer j.mu.Unlock()
	var errs []error
	for i := range j.files {
		if j.count[i] == 0 || resolved[i] < j.count[i] || j.files[i] == nil {
			continue
		}
		if err := j.files[i].Truncate(0); err != nil {
			errs = append(errs, fmt.Errorf("store: empty the audit journal: %w", err))
			continue
		}
		j.size[i], j.count[i], resolved[i] = 0, 0, 0
	}
	return errors.Join(errs...)
}

// empty truncates both segments (after a replay committed them).
func (j *journal) empty() error {
	j.mu.Lock()
	defer j.mu.Unlock()
	for i, f := range j.files {
		if err := f.Truncate(0); err != nil {
			return fmt.Errorf("store: empty the audit journal: %w", err)
		}
		j.size[i], j.count[i] = 0, 0
	}
	j.torn = false
	return nil
}

// close closes the segment files; with remove (every row is stored) it
// deletes them first, so a clean stop leaves nothing to replay.
func (j *journal) close(dbPath string, remove bool) {
	j.mu.Lock()
	defer j.mu.Unlock()
	if remove {
		for _, suf := range journalFiles {
			_ = os.Remove(dbPath + suf)
		}
	}
	j.closeFiles()
}
