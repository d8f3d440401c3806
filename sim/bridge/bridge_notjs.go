//go:build !js

package bridge

import (
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"time"

	"github.com/pion/ice/v4"
	"github.com/pion/webrtc/v4"
)

// newPeerConnection returns a native pion peer with the gateway's
// loopback-only settings: UDP4 host candidates on "lo" only, remote
// candidates on loopback only, no mDNS.
func newPeerConnection() (*webrtc.PeerConnection, error) {
	var se webrtc.SettingEngine
	se.SetICEMulticastDNSMode(ice.MulticastDNSModeDisabled)
	se.SetNetworkTypes([]webrtc.NetworkType{webrtc.NetworkTypeUDP4})
	se.SetICETimeouts(5*time.Second, 10*time.Second, 2*time.Second)
	se.SetSCTPMaxReceiveBufferSize(4 << 20)
	se.SetIncludeLoopbackCandidate(true)
	se.SetInterfaceFilter(func(name string) bool { return name == "lo" })
	se.SetIPFilter(func(ip net.IP) bool { return ip.IsLoopback() })
	se.SetRemoteIPFilter(func(ip net.IP) bool { return ip.IsLoopback() })
	return webrtc.NewAPI(webrtc.WithSettingEngine(se)).NewPeerConnection(webrtc.Configuration{})
}

// onMessage calls f with every message of dc, in order, on pion's read
// loop; f gets its own copy of the data. The returned function undoes
// it.
func onMessage(dc *webrtc.DataChannel, f func(data []byte, isString bool)) (release func()) {
	dc.OnMessage(func(m webrtc.DataChannelMessage) { f(bytes.Clone(m.Data), m.IsString) })
	return func() {}
}

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
