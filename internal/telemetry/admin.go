package telemetry

import (
	"crypto/subtle"
	"net/http"
	"strings"
)

// AdminHandler serves the admin listener:
//
//	GET /metrics   the metrics (Prometheus text format, or OpenMetrics
//	               when the scraper asks for it)
//	GET /healthz   {"status":"ok"}
//
// With a token, /metrics needs "Authorization: Bearer <token>" (401
// otherwise); /healthz says nothing but that the process answers, so
// probes need no token.
func AdminHandler(m *Metrics, token string) http.Handler {
	mux := http.NewServeMux()
	metrics := m.Handler()
	mux.HandleFunc("GET /metrics", func(w http.ResponseWriter, r *http.Request) {
		if token != "" && !bearerOK(r, token) {
			w.Header().Set("WWW-Authenticate", `Bearer realm="mcpwarden-admin"`)
			http.Error(w, "a valid admin token is required (Authorization: Bearer)", http.StatusUnauthorized)
			return
		}
		metrics.ServeHTTP(w, r)
	})
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"status":"ok"}`))
	})
	return mux
}

// bearerOK compares the request's bearer token with token in constant time.
func bearerOK(r *http.Request, token string) bool {
	h := r.Header.Get("Authorization")
	if len(h) < 7 || !strings.EqualFold(h[:7], "bearer ") {
		return false
	}
	return subtle.ConstantTimeCompare([]byte(strings.TrimSpace(h[7:])), []byte(token)) == 1
}
