package scan

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"time"
)

// Classifier is an optional second opinion on a text, for example a small
// prompt-injection model served locally. score is in [0, 1]; label is the
// classifier's own name for what it saw.
type Classifier interface {
	Classify(ctx context.Context, text string) (score float64, label string, err error)
}

// HTTPClassifier POSTs {"text": ...} as JSON to URL and reads
// {"score": x, "label": "..."}. A "classifier" finding is added when the
// score reaches Threshold (0 means 0.5). Errors never panic; they become a
// "classifier-error" info finding. Client nil means a client with a
// 10-second timeout. Texts longer than 256 KiB are cut.
type HTTPClassifier struct {
	URL       string
	Threshold float64
	Client    *http.Client
}

var defaultClassifierClient = &http.Client{Timeout: 10 * time.Second}

const maxClassifyText = 256 << 10

// Classify implements Classifier.
func (h *HTTPClassifier) Classify(ctx context.Context, text string) (float64, string, error) {
	if h == nil || h.URL == "" {
		return 0, "", errors.New("classifier URL not configured")
	}
	if len(text) > maxClassifyText {
		text = clip(text, maxClassifyText)
	}
	body, err := json.Marshal(struct {
		Text string `json:"text"`
	}{text})
	if err != nil {
		return 0, "", err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, h.URL, bytes.NewReader(body))
	if err != nil {
		return 0, "", err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	c := h.Client
	if c == nil {
		c = defaultClassifierClient
	}
	resp, err := c.Do(req)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return 0, "", err
	}
	if resp.StatusCode/100 != 2 {
		return 0, "", fmt.Errorf("classifier answered HTTP %d", resp.StatusCode)
	}
	var out struct {
		Score *float64 `json:"score"`
		Label string   `json:"label"`
	}
	if err := json.Unmarshal(data, &out); err != nil {
		return 0, "", fmt.Errorf("classifier answer is not JSON: %w", err)
	}
	if out.Score == nil || math.IsNaN(*out.Score) || *out.Score < 0 || *out.Score > 1 {
		return 0, "", errors.New("classifier answer has no score in [0, 1]")
	}
	return *out.Score, out.Label, nil
}
