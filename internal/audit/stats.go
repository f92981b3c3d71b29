package audit

// SinkStats counts what one sink did with the events it was given. The
// counters only grow (Queued is a gauge); the metrics endpoint exports them.
type SinkStats struct {
	Sink    string // the sink's Name()
	Written uint64 // events durably written (or delivered)
	Failed  uint64 // write attempts that failed (retried, or then dropped)
	Dropped uint64 // events given up on; each is counted in a gap event
	Queued  int    // events waiting in the sink's buffer now
}

// StatsSink is a Sink that keeps counters.
type StatsSink interface {
	Sink
	Stats() SinkStats
}

// Stats returns the counters of every sink of l that keeps them, in the
// order the sinks were given. A nil Logger has none.
func (l *Logger) Stats() []SinkStats {
	if l == nil {
		return nil
	}
	l.mu.RLock()
	defer l.mu.RUnlock()
	var out []SinkStats
	for _, s := range l.sinks {
		if ss, ok := s.(StatsSink); ok {
			out = append(out, ss.Stats())
		}
	}
	return out
}
