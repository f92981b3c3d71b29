package authserver

import (
	"context"
	"crypto/subtle"
	"html/template"
	"net/http"
	"net/url"
	"strings"
	"time"
)

var loginPage = template.Must(template.New("login").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>mcpwarden: sign in</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>body{font:16px system-ui,sans-serif;max-width:32rem;margin:3rem auto;padding:0 1rem}
.box{border:1px solid #ccc;border-radius:6px;padding:1rem 1.25rem}code{background:#f3f3f3;padding:0 .25rem}
.warn{color:#8a4b00}label{display:block;margin:.5rem 0}input[type=text],input[type=password]{width:100%;padding:.4rem}
button{padding:.5rem 1rem;margin-right:.5rem}.err{color:#b00020}</style></head>
<body><h1>Sign in to mcpwarden</h1>
<div class="box">
<p>The application <strong>{{.ClientName}}</strong> (<code>{{.ClientID}}</code>) asks for access to the MCP gateway
<code>{{.Resource}}</code> with these scopes:</p>
<ul>{{range .Scopes}}<li><code>{{.}}</code></li>{{else}}<li>(no scopes)</li>{{end}}</ul>
<p>After you approve, you are sent back to <strong>{{.RedirectHost}}</strong> (<code>{{.RedirectURI}}</code>).</p>
{{if .Loopback}}<p class="warn">That address is on this computer: approve only if you started this sign-in yourself.</p>{{end}}
</div>
{{if .Error}}<p class="err">{{.Error}}</p>{{end}}
{{if .NoUsers}}<p class="err">No users are configured (auth.users), so nobody can sign in here.</p>{{else}}
<form method="post" action="{{.Action}}">
<input type="hidden" name="id" value="{{.ID}}"><input type="hidden" name="csrf" value="{{.CSRF}}">
<label>User <input type="text" name="username" autocomplete="username" required autofocus></label>
<label>Password <input type="password" name="password" autocomplete="current-password" required></label>
<button type="submit" name="decision" value="approve">Sign in and approve</button>
<button type="submit" name="decision" value="deny" formnovalidate>Deny</button>
</form>{{end}}
</body></html>`))

const maxLoginFailures = 5

// login serves the sign-in and consent page for a pending authorization
// request. The page names the client, the scopes and where the browser
// goes next; it cannot be framed; the form carries a per-request CSRF
// token; five wrong passwords end the request.
func (s *Server) login(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("X-Frame-Options", "DENY")
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'")
	h.Set("Cache-Control", "no-store")
	h.Set("Referrer-Policy", "no-referrer")
	switch r.Method {
	case http.MethodGet:
		req, err := s.st.request(r.URL.Query().Get("authRequestID"))
		if err != nil {
			http.Error(w, "This sign-in request is unknown or has expired. Start again from your application.", http.StatusBadRequest)
			return
		}
		s.renderLogin(w, req, "")
	case http.MethodPost:
		r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
		if err := r.ParseForm(); err != nil {
			http.Error(w, "bad form", http.StatusBadRequest)
			return
		}
		req, err := s.st.request(r.PostForm.Get("id"))
		if err != nil {
			http.Error(w, "This sign-in request is unknown or has expired. Start again from your application.", http.StatusBadRequest)
			return
		}
		if subtle.ConstantTimeCompare([]byte(r.PostForm.Get("csrf")), []byte(req.csrf)) != 1 {
			s.event(r, "auth.login_failed", req.clientID, "", map[string]any{"reason": "CSRF token mismatch"})
			http.Error(w, "The form is stale or was not sent by this page.", http.StatusForbidden)
			return
		}
		if r.PostForm.Get("decision") == "deny" {
			s.event(r, "auth.login_failed", req.clientID, "", map[string]any{"reason": "the user denied consent"})
			s.finishDenied(w, r, req)
			return
		}
		user := r.PostForm.Get("username")
		if !s.checkPassword(user, r.PostForm.Get("password")) {
			req.mu.Lock()
			req.failures++
			n := req.failures
			req.mu.Unlock()
			s.event(r, "auth.login_failed", req.clientID, "", map[string]any{"reason": "wrong user name or password", "user": user, "failures": n})
			if n >= maxLoginFailures {
				_ = s.st.DeleteAuthRequest(r.Context(), req.id)
				http.Error(w, "Too many failed attempts. Start again from your application.", http.StatusForbidden)
				return
			}
			w.WriteHeader(http.StatusUnauthorized)
			s.renderLogin(w, req, "Wrong user name or password.")
			return
		}
		req.mu.Lock()
		req.subject, req.authTime, req.done = user, time.Now(), true
		req.mu.Unlock()
		s.event(r, "auth.login", req.clientID, user, map[string]any{"scopes": s.knownOnly(req.scopes)})
		http.Redirect(w, r, s.legacy.AuthCallbackURL()(r.Context(), req.id), http.StatusFound)
	default:
		w.Header().Set("Allow", "GET, POST")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
	}
}

func (s *Server) renderLogin(w http.ResponseWriter, req *authRequest, msg string) {
	name := req.clientID
	if c, err := s.lookupClient(context.Background(), req.clientID); err == nil && c.Name != "" {
		name = c.Name
	}
	host, loop := req.redirectURI, false
	if u, err := url.Parse(req.redirectURI); err == nil {
		host = u.Host
		h := strings.ToLower(u.Hostname())
		loop = h == "localhost" || h == "127.0.0.1" || h == "::1"
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	_ = loginPage.Execute(w, map[string]any{
		"ClientName": name, "ClientID": req.clientID, "Resource": s.resource, "Scopes": s.knownOnly(req.scopes),
		"RedirectHost": host, "RedirectURI": req.redirectURI, "Loopback": loop, "Error": msg,
		"NoUsers": len(s.users) == 0, "Action": loginPath, "ID": req.id, "CSRF": req.csrf,
	})
}

// CheckPassword reports whether password is user's (for pages of the
// gateway that must confirm who the person at the browser is).
func (s *Server) CheckPassword(user, password string) bool { return s.checkPassword(user, password) }

// checkPassword compares in constant time (and spends the same time for an
// unknown user).
func (s *Server) checkPassword(user, password string) bool {
	want, ok := s.users[user]
	if !ok {
		want = "\x00unknown-user\x00"
	}
	eq := subtle.ConstantTimeCompare([]byte(password), []byte(want)) == 1
	return ok && eq && password != ""
}

// finishDenied sends the browser back with error=access_denied.
func (s *Server) finishDenied(w http.ResponseWriter, r *http.Request, req *authRequest) {
	_ = s.st.DeleteAuthRequest(r.Context(), req.id)
	u, err := url.Parse(req.redirectURI)
	if err != nil {
		http.Error(w, "access denied", http.StatusForbidden)
		return
	}
	q := u.Query()
	q.Set("error", "access_denied")
	q.Set("error_description", "the user denied the request")
	if req.state != "" {
		q.Set("state", req.state)
	}
	u.RawQuery = q.Encode()
	http.Redirect(w, r, u.String(), http.StatusFound)
}
