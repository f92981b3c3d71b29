package ratelimit

import (
	"context"
	"fmt"
	"math"
	"sort"
	"sync"
	"time"

	"github.com/hashicorp/golang-lru/v2/simplelru"
	"golang.org/x/time/rate"

	"github.com/mcpwarden/mcpwarden/internal/guard"
	"github.com/mcpwarden/mcpwarden/internal/jsonrpc"
)

// GuardName is the guard's name in audit events and client errors.
const GuardName = "ratelimit"

// Limit names: the config keys under limits, as reasons cite them
// ("rate_limited: calls_per_minute: ...", "rate_limited:
// categories.outbound_http: ...").
const (
	LimitCalls    = "calls_per_minute"
	LimitSessions = "sessions_per_client"
	LimitInflight = "inflight_per_session"
)

// Built-in categories (any other name may be configured).
const (
	CategoryOutboundHTTP = "outbound_http"
	CategoryDBWrite      = "db_write"
	CategoryFileWrite    = "file_write"
)

// DefaultMaxKeys is how many principals' buckets are kept by default.
const DefaultMaxKeys = 10000

// SessionRetryAfter is the Retry-After of a refused session: when a slot
// frees is up to the client (it ends a session), so this is a hint.
const SessionRetryAfter = 30 * time.Second

// InflightRetryAfter is the retry hint of a call refused for too many
// calls in flight: a slot frees when one of them finishes.
const InflightRetryAfter = time.Second

// maxCategoryCache bounds the cache of resolved tool categories (tool
// names come from clients); the cache is cleared when it is full.
const maxCategoryCache = 4096

// Config is the limiter's configuration (config.Limits, resolved). A zero
// limit is no limit.
type Config struct {
	// CallsPerMinute is the sustained rate of tools/call per principal.
	CallsPerMinute int
	// Burst is how many calls a principal may make at once (the bucket's
	// size). Default DefaultBurst(CallsPerMinute).
	Burst int
	// SessionsPerClient caps the open sessions of one principal and
	// OAuth client (see SessionKey).
	SessionsPerClient int
	// InflightPerSession caps the calls one session has in flight.
	InflightPerSession int
	// Categories are per-principal rates per minute of the calls to tools
	// of a category, in addition to CallsPerMinute; each bucket's size is
	// DefaultBurst of its rate.
	Categories map[string]int
	// MaxKeys bounds the principals whose buckets are kept. Default
	// DefaultMaxKeys.
	MaxKeys int
	// Category names a call's tool category ("" for none). Called once
	// per server, tool and definition hash; the result is cached.
	Category func(*guard.Call) string
	// Now is the clock (tests inject a fake one). Default time.Now.
	Now func() time.Time
}

// DefaultBurst is the bucket size for a rate per minute: ten seconds'
// worth (a sixth of a minute), at least 1.
func DefaultBurst(perMinute int) int {
	return max(1, (perMinute+5)/6)
}

// Enabled reports whether any limit is set.
func (c Config) Enabled() bool {
	return c.CallsPerMinute > 0 || c.SessionsPerClient > 0 || c.InflightPerSession > 0 || len(c.Categories) > 0
}

// Key identifies a principal for its buckets: issuer and subject of an
// authenticated caller (not the OAuth client: every client of one user
// shares the user's budget); for an anonymous caller its network address,
// or its session when there is none (stdio).
type Key struct{ Issuer, Subject string }

const (
	anonAddress = "\x00address"
	anonSession = "\x00session"
)

// PrincipalKey is the key of a call's or a session's principal.
func PrincipalKey(p guard.Principal, s guard.Session) Key {
	if p.Anonymous || p.Subject == "" {
		if s.ClientAddr != "" {
			return Key{Issuer: anonAddress, Subject: s.ClientAddr}
		}
		return Key{Issuer: anonSession, Subject: s.ID}
	}
	return Key{Issuer: p.Issuer, Subject: p.Subject}
}

func (k Key) String() string {
	switch k.Issuer {
	case anonAddress:
		return fmt.Sprintf("anonymous client %s", k.Subject)
	case anonSession:
		return "this anonymous session"
	}
	return fmt.Sprintf("principal %q", k.Subject)
}

// SessionKey identifies a client for sessions_per_client: the principal
// and its OAuth client id (the token's client_id or azp), so one user's
// IDE and CLI count apart; a principal without a client id (anonymous,
// mTLS, local) counts as one client.
type SessionKey struct {
	Key
	ClientID string
}

type bucket struct {
	calls *rate.Limiter
	cats  []*rate.Limiter // by category index, created on first use
	last  time.Time
}

type catKey struct{ server, name, hash string }

// Limiter holds the limits' state. It is the ratelimit guard.
type Limiter struct {
	cfg      Config
	now      func() time.Time
	calls    rate.Limit
	burst    int
	catNames []string // sorted
	catIndex map[string]int
	catRate  []rate.Limit
	catBurst []int
	// idle: a bucket untouched this long is full again (dropping it
	// changes nothing).
	idle time.Duration

	mu   sync.Mutex
	keys *simplelru.LRU[Key, *bucket]

	imu      sync.Mutex
	inflight map[string]int

	smu      sync.Mutex
	sessions map[SessionKey]int

	cmu  sync.RWMutex
	cats map[catKey]int
}

// New returns a limiter for cfg.
func New(cfg Config) *Limiter {
	l := &Limiter{cfg: cfg, now: cfg.Now, catIndex: map[string]int{}, inflight: map[string]int{}, sessions: map[SessionKey]int{}, cats: map[catKey]int{}}
	if l.now == nil {
		l.now = time.Now
	}
	if cfg.MaxKeys <= 0 {
		l.cfg.MaxKeys = DefaultMaxKeys
	}
	l.keys, _ = simplelru.NewLRU[Key, *bucket](l.cfg.MaxKeys, nil)
	full := time.Second
	if cfg.CallsPerMinute > 0 {
		l.calls = rate.Limit(float64(cfg.CallsPerMinute) / 60)
		l.burst = cfg.Burst
		if l.burst <= 0 {
			l.burst = DefaultBurst(cfg.CallsPerMinute)
		}
		full = max(full, refill(l.burst, cfg.CallsPerMinute))
	}
	for name, n := range cfg.Categories {
		if n > 0 {
			l.catNames = append(l.catNames, name)
		}
	}
	sort.Strings(l.catNames)
	for i, name := range l.catNames {
		n := cfg.Categories[name]
		l.catIndex[name] = i
		l.catRate = append(l.catRate, rate.Limit(float64(n)/60))
		l.catBurst = append(l.catBurst, DefaultBurst(n))
		full = max(full, refill(DefaultBurst(n), n))
	}
	l.idle = full
	return l
}

// refill is how long an empty bucket of size burst takes to fill at
// perMinute.
func refill(burst, perMinute int) time.Duration {
	return time.Duration(math.Ceil(float64(burst) * 60 / float64(perMinute) * float64(time.Second)))
}

// Name implements guard.Guard.
func (l *Limiter) Name() string { return GuardName }

// Check implements guard.Guard: a tools/call over its principal's rate, its
// category's rate or its session's in-flight cap is refused with
// jsonrpc.CodeRateLimited and a retry hint. Only calls the gateway runs
// count, those in a call scope (guard.WithCallScope): listings and offline
// decisions (mcpwarden policy test) are not limited and spend nothing.
func (l *Limiter) Check(ctx context.Context, c *guard.Call) guard.Decision {
	if c.Method != "tools/call" || c.Listing || !guard.HasCallScope(ctx) {
		return guard.Allowed
	}
	// The in-flight slot first, given back at once if a rate refuses: a
	// refused call spends neither tokens nor a slot.
	slot := l.cfg.InflightPerSession > 0
	if slot {
		l.imu.Lock()
		n := l.inflight[c.Session.ID]
		if n >= l.cfg.InflightPerSession {
			l.imu.Unlock()
			return guard.Decision{Action: guard.Deny, Guard: GuardName, Code: jsonrpc.CodeRateLimited, RetryAfter: InflightRetryAfter,
				Reason: fmt.Sprintf("rate_limited: %s: this session already has %d calls in flight (limits.inflight_per_session); retry when one finishes",
					LimitInflight, n)}
		}
		l.inflight[c.Session.ID] = n + 1
		l.imu.Unlock()
	}
	if l.calls > 0 || len(l.catNames) > 0 {
		cat := -1
		if len(l.catNames) > 0 {
			cat = l.category(c)
		}
		if l.calls > 0 || cat >= 0 {
			if d := l.take(PrincipalKey(c.Principal, c.Session), cat, c.Name); d.Action != guard.Allow {
				if slot {
					l.release(c.Session.ID)
				}
				return d
			}
		}
	}
	if slot {
		id := c.Session.ID
		guard.OnCallDone(ctx, func() { l.release(id) })
	}
	return guard.Allowed
}

func (l *Limiter) release(id string) {
	l.imu.Lock()
	if n := l.inflight[id]; n > 1 {
		l.inflight[id] = n - 1
	} else {
		delete(l.inflight, id)
	}
	l.imu.Unlock()
}

// Inflight is the number of calls session id has in flight.
func (l *Limiter) Inflight(id string) int {
	l.imu.Lock()
	defer l.imu.Unlock()
	return l.inflight[id]
}

// take spends a token of the principal's calls bucket and, for a call in
// category cat (>= 0), of its category bucket; a call refused spends none
// (but for a race between two calls of one principal, where the general
// token of the loser is spent).
func (l *Limiter) take(k Key, cat int, tool string) guard.Decision {
	now := l.now()
	calls, cb := l.buckets(k, cat, now)
	if cb != nil && cb.TokensAt(now) < 1 {
		return l.categoryDenied(k, cat, tool, cb, now)
	}
	if calls != nil && !calls.AllowN(now, 1) {
		wait := retryAfter(calls, now)
		return guard.Decision{Action: guard.Deny, Guard: GuardName, Code: jsonrpc.CodeRateLimited, RetryAfter: wait,
			Reason: fmt.Sprintf("rate_limited: %s: %s is over its %d calls per minute (limits.calls_per_minute, burst %d); retry after %ds",
				LimitCalls, k, l.cfg.CallsPerMinute, l.burst, Seconds(wait))}
	}
	if cb != nil && !cb.AllowN(now, 1) {
		return l.categoryDenied(k, cat, tool, cb, now)
	}
	return guard.Allowed
}

func (l *Limiter) categoryDenied(k Key, cat int, tool string, cb *rate.Limiter, now time.Time) guard.Decision {
	name := l.catNames[cat]
	wait := retryAfter(cb, now)
	return guard.Decision{Action: guard.Deny, Guard: GuardName, Code: jsonrpc.CodeRateLimited, RetryAfter: wait,
		Reason: fmt.Sprintf("rate_limited: categories.%s: %s is over its %d %s calls per minute (limits.categories.%s; tool %q is in category %s); retry after %ds",
			name, k, l.cfg.Categories[name], name, name, tool, name, Seconds(wait))}
}

// buckets returns k's calls bucket (nil when calls are not limited) and
// its bucket for category cat (nil for -1), creating them as needed.
func (l *Limiter) buckets(k Key, cat int, now time.Time) (*rate.Limiter, *rate.Limiter) {
	l.mu.Lock()
	defer l.mu.Unlock()
	b, ok := l.keys.Get(k)
	if !ok {
		l.evictIdle(now)
		b = &bucket{}
		if l.calls > 0 {
			b.calls = rate.NewLimiter(l.calls, l.burst)
		}
		l.keys.Add(k, b)
	}
	b.last = now
	if cat < 0 {
		return b.calls, nil
	}
	if b.cats == nil {
		b.cats = make([]*rate.Limiter, len(l.catNames))
	}
	if b.cats[cat] == nil {
		b.cats[cat] = rate.NewLimiter(l.catRate[cat], l.catBurst[cat])
	}
	return b.calls, b.cats[cat]
}

// evictIdle drops the least recently used buckets that are full again.
// Called with l.mu held.
func (l *Limiter) evictIdle(now time.Time) {
	for {
		_, b, ok := l.keys.GetOldest()
		if !ok || now.Sub(b.last) < l.idle {
			return
		}
		l.keys.RemoveOldest()
	}
}

// Keys is the number of principals whose buckets are kept.
func (l *Limiter) Keys() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.keys.Len()
}

// category resolves (and caches) the index of a call's category, -1 when
// it has none or its category has no limit.
func (l *Limiter) category(c *guard.Call) int {
	k := catKey{c.Server, c.Name, c.SchemaHash}
	l.cmu.RLock()
	i, ok := l.cats[k]
	l.cmu.RUnlock()
	if ok {
		return i
	}
	i = -1
	if l.cfg.Category != nil {
		if j, ok := l.catIndex[l.cfg.Category(c)]; ok {
			i = j
		}
	}
	l.cmu.Lock()
	if len(l.cats) >= maxCategoryCache {
		clear(l.cats)
	}
	l.cats[k] = i
	l.cmu.Unlock()
	return i
}

// retryAfter is how long until lim has a whole token.
func retryAfter(lim *rate.Limiter, now time.Time) time.Duration {
	need := 1 - lim.TokensAt(now)
	if need <= 0 || lim.Limit() <= 0 {
		return time.Second
	}
	return time.Duration(need / float64(lim.Limit()) * float64(time.Second))
}

// Seconds is d in whole seconds, rounded up, at least 1 (Retry-After).
func Seconds(d time.Duration) int {
	return max(1, int(math.Ceil(d.Seconds())))
}

// OpenSession takes a session slot of the client k for a new session; it
// returns the function that gives the slot back when the session ends
// (idempotent), or a refusal when the client has SessionsPerClient open.
func (l *Limiter) OpenSession(k SessionKey) (release func(), d guard.Decision) {
	if l.cfg.SessionsPerClient <= 0 {
		return func() {}, guard.Allowed
	}
	l.smu.Lock()
	n := l.sessions[k]
	if n >= l.cfg.SessionsPerClient {
		l.smu.Unlock()
		who := k.Key.String()
		if k.ClientID != "" {
			who += fmt.Sprintf(" with client %q", k.ClientID)
		}
		return nil, guard.Decision{Action: guard.Deny, Guard: GuardName, Code: jsonrpc.CodeRateLimited, RetryAfter: SessionRetryAfter,
			Reason: fmt.Sprintf("rate_limited: %s: %s already has %d open sessions (limits.sessions_per_client); end one (HTTP DELETE) or retry after %ds",
				LimitSessions, who, n, Seconds(SessionRetryAfter))}
	}
	l.sessions[k] = n + 1
	l.smu.Unlock()
	var once sync.Once
	return func() {
		once.Do(func() {
			l.smu.Lock()
			if n := l.sessions[k]; n > 1 {
				l.sessions[k] = n - 1
			} else {
				delete(l.sessions, k)
			}
			l.smu.Unlock()
		})
	}, guard.Allowed
}

// OpenSessions is the number of sessions client k holds open.
func (l *Limiter) OpenSessions(k SessionKey) int {
	l.smu.Lock()
	defer l.smu.Unlock()
	return l.sessions[k]
}
