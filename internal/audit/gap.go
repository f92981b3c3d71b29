package audit

import (
	"time"
)

// Gap counts the events one sink could not write, so that the loss is
// recorded as an event of type [TypeGap] once the sink writes again. The
// zero value is "nothing lost". A Gap is not safe for concurrent use.
type Gap struct {
	Count               uint64
	FirstID, LastID     string
	FirstTime, LastTime time.Time
	Reason              string // the latest reason
	Torn                bool   // a partly written record (a torn JSONL line) precedes the gap event
	TornBytes           int
	firstSet            bool
}

// Add counts one lost event (id and time may be empty: unknown).
func (g *Gap) Add(id string, t time.Time, reason string) {
	g.Count++
	if !g.firstSet {
		g.firstSet = true
		g.FirstID, g.FirstTime = id, t
	}
	g.LastID, g.LastTime = id, t
	g.SetReason(reason)
}

// SetReason sets the reason given in the gap event.
func (g *Gap) SetReason(reason string) {
	if reason != "" {
		g.Reason = reason
	}
}

// Pending reports whether a gap event is due.
func (g *Gap) Pending() bool { return g.Count > 0 || g.Torn }

// Event returns the gap event for sink (type [TypeGap], normalized). Its
// detail holds sink, count, reason and, when known, first_event_id,
// last_event_id, first_time and last_time of the lost events, and
// torn_line/torn_bytes when a partly written line comes before it.
func (g *Gap) Event(sink string) *Event {
	d := map[string]any{"sink": sink, "count": g.Count, "reason": g.Reason}
	if g.FirstID != "" {
		d["first_event_id"] = g.FirstID
	}
	if g.LastID != "" {
		d["last_event_id"] = g.LastID
	}
	if !g.FirstTime.IsZero() {
		d["first_time"] = g.FirstTime.UTC().Format(time.RFC3339Nano)
	}
	if !g.LastTime.IsZero() {
		d["last_time"] = g.LastTime.UTC().Format(time.RFC3339Nano)
	}
	if g.Torn {
		d["torn_line"] = true
		d["torn_bytes"] = g.TornBytes
	}
	ev := &Event{
		Type:      TypeGap,
		Principal: Principal{Subject: "mcpwarden"},
		Decision:  Decision{Action: ActionAllow},
		Status:    Status{Outcome: OutcomeError, ErrorMessage: g.Reason},
		Detail:    d,
	}
	Normalize(ev)
	return ev
}
