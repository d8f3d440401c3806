//go:build !js

package bridge

import (
	"bytes"
	"context"
	"io"
	"net/http"
)

// maxAnswer bounds the signaling response read.
const maxAnswer = 1 << 20

// post POSTs body as JSON to url with net/http.
func post(ctx context.Context, url string, body []byte) (status int, resp []byte, err error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	r, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer r.Body.Close()
	resp, err = io.ReadAll(io.LimitReader(r.Body, maxAnswer))
	return r.StatusCode, resp, err
}
