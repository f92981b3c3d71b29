package approval

import (
	"crypto/subtle"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
)

// AdminHandler is the approvals admin API, for a listener of its own:
//
//	GET  /v1/approvals[?all=1]          the pending (or all) requests
//	POST /v1/approvals/{id}/approve     {"reviewer": "...", "reason": "..."}
//	POST /v1/approvals/{id}/deny        {"reviewer": "...", "reason": "..."}
//
// Every request needs "Authorization: Bearer <token>"; the reviewer is
// recorded as "admin:<reviewer>".
func AdminHandler(s *Service, token string) http.Handler {
	mux := http.NewServeMux()
	auth := func(h http.HandlerFunc) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			got := strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
			if token == "" || subtle.ConstantTimeCompare([]byte(got), []byte(token)) != 1 {
				w.Header().Set("WWW-Authenticate", `Bearer realm="mcpwarden-admin"`)
				writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "a valid admin token is required"})
				return
			}
			h(w, r)
		}
	}
	mux.HandleFunc("GET /v1/approvals", auth(func(w http.ResponseWriter, r *http.Request) {
		reqs, err := s.Store.List(r.Context(), r.URL.Query().Get("all") == "", 0)
		if err != nil {
			writeJSON(w, http.StatusInternalServerError, map[string]string{"error": err.Error()})
			return
		}
		if reqs == nil {
			reqs = []*Request{}
		}
		writeJSON(w, http.StatusOK, reqs)
	}))
	decide := func(approve bool) http.HandlerFunc {
		return auth(func(w http.ResponseWriter, r *http.Request) {
			var body struct {
				Reviewer string `json:"reviewer"`
				Reason   string `json:"reason"`
			}
			if err := json.NewDecoder(io.LimitReader(r.Body, 16<<10)).Decode(&body); err != nil && !errors.Is(err, io.EOF) {
				writeJSON(w, http.StatusBadRequest, map[string]string{"error": "body: " + err.Error()})
				return
			}
			if body.Reviewer == "" {
				writeJSON(w, http.StatusBadRequest, map[string]string{"error": "reviewer is required"})
				return
			}
			id := r.PathValue("id")
			if err := s.Review(r.Context(), id, approve, "admin:"+body.Reviewer, body.Reason); err != nil {
				status := http.StatusConflict
				if strings.Contains(err.Error(), "no approval request") {
					status = http.StatusNotFound
				}
				writeJSON(w, status, map[string]string{"error": err.Error()})
				return
			}
			cur, _ := s.Store.Get(r.Context(), id)
			writeJSON(w, http.StatusOK, cur)
		})
	}
	mux.HandleFunc("POST /v1/approvals/{id}/approve", decide(true))
	mux.HandleFunc("POST /v1/approvals/{id}/deny", decide(false))
	return mux
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
