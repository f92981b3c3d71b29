package scan

import "sync"

// Work spaces for large texts (a 64 KiB tool result: some 10,000 tokens)
// are kept in a small list that garbage collection does not empty, unlike
// a sync.Pool: on the gateway's call path a collection runs every few
// calls, so a pooled work space was mostly gone when the next large
// result came, and its token slice was grown again from nothing. The list
// holds at most maxSpares work spaces of bounded size (about 2.5 MB in
// all); smaller ones go to the Scanner's sync.Pool as before.
const (
	maxSpares      = 2
	spareMinText   = 4 << 10   // texts from this size take a spare first
	spareMinToks   = 512       // work spaces kept as spares have grown to this
	spareMaxToks   = 1 << 15   // and not beyond this (32 bytes a token)
	spareMaxLowBuf = 256 << 10 // nor a lower-cased copy beyond this
)

var spares struct {
	mu   sync.Mutex
	list []*analysis
}

// getAnalysis returns a work space for a text of n bytes.
func (s *Scanner) getAnalysis(n int) *analysis {
	if n >= spareMinText {
		spares.mu.Lock()
		if k := len(spares.list); k > 0 {
			a := spares.list[k-1]
			spares.list[k-1] = nil
			spares.list = spares.list[:k-1]
			spares.mu.Unlock()
			return a
		}
		spares.mu.Unlock()
	}
	return s.pool.Get().(*analysis)
}

// putAnalysis keeps a work space (already reset) for reuse.
func (s *Scanner) putAnalysis(a *analysis) {
	a.nt = ntext{} // not the text itself (prepareInto starts afresh)
	if c := cap(a.toks); c >= spareMinToks && c <= spareMaxToks && cap(a.lowBuf) <= spareMaxLowBuf {
		spares.mu.Lock()
		if len(spares.list) < maxSpares {
			spares.list = append(spares.list, a)
			spares.mu.Unlock()
			return
		}
		spares.mu.Unlock()
	}
	if cap(a.toks) <= 1<<16 {
		s.pool.Put(a)
	}
}
