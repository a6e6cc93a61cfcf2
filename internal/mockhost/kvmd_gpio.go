package mockhost

import (
	"net/http"
	"strconv"
	"time"
)

// The fake's GPIO: switch and pulse output channels, each with its own busy
// region; a busy channel reports state false, as kvmd does.

func (k *KVMD) gpioGet(w http.ResponseWriter) {
	k.mu.Lock()
	defer k.mu.Unlock()
	outputs, states := map[string]any{}, map[string]any{}
	now := time.Now()
	for name, ch := range k.gpio {
		// As kvmd's scheme: a pulse delay of 0 means the channel cannot pulse.
		pulse := map[string]any{"delay": 0.0, "min_delay": 0.0, "max_delay": 0.0}
		if ch.pulse {
			pulse = map[string]any{"delay": k.opts.GPIOPulseTime.Seconds(), "min_delay": 0.1, "max_delay": 10.0}
		}
		outputs[name] = map[string]any{"switch": !ch.pulse, "pulse": pulse}
		busy := now.Before(ch.busyUntil)
		states[name] = map[string]any{"online": true, "state": ch.state && !busy, "busy": busy}
	}
	kvmdOK(w, map[string]any{
		"model": map[string]any{"scheme": map[string]any{"inputs": map[string]any{}, "outputs": outputs}, "view": map[string]any{}},
		"state": map[string]any{"inputs": map[string]any{}, "outputs": states},
	})
}

// gpioChannelFor returns the channel or writes kvmd's error.
func (k *KVMD) gpioChannelFor(w http.ResponseWriter, name string) *gpioChannel {
	ch, ok := k.gpio[name]
	if !ok {
		kvmdError(w, http.StatusBadRequest, "GpioChannelNotFoundError", "The channel is not found")
		return nil
	}
	if time.Now().Before(ch.busyUntil) {
		kvmdError(w, http.StatusConflict, "GpioChannelIsBusyError", "Performing another GPIO operation on this channel, please try again later")
		return nil
	}
	return ch
}

func (k *KVMD) gpioSwitch(w http.ResponseWriter, r *http.Request) {
	state, ok := kvmdBool(r.URL.Query().Get("state"))
	if !ok {
		kvmdError(w, http.StatusBadRequest, "ValidatorError", "The argument is not a valid boolean")
		return
	}
	k.mu.Lock()
	ch := k.gpioChannelFor(w, r.URL.Query().Get("channel"))
	if ch == nil {
		k.mu.Unlock()
		return
	}
	if ch.pulse {
		k.mu.Unlock()
		kvmdError(w, http.StatusBadRequest, "GpioSwitchNotSupported", "This channel does not support switching")
		return
	}
	ch.state = state
	const switchTime = 50 * time.Millisecond
	ch.busyUntil = time.Now().Add(switchTime)
	k.mu.Unlock()
	if wait, _ := kvmdBool(r.URL.Query().Get("wait")); wait {
		time.Sleep(switchTime)
	}
	kvmdOK(w, map[string]any{})
}

func (k *KVMD) gpioPulse(w http.ResponseWriter, r *http.Request) {
	delay := k.opts.GPIOPulseTime
	if v := r.URL.Query().Get("delay"); v != "" {
		f, err := strconv.ParseFloat(v, 64)
		if err != nil || f < 0 {
			kvmdError(w, http.StatusBadRequest, "ValidatorError", "The argument '"+v+"' is not a valid number")
			return
		}
		if f > 0 {
			f = min(max(f, 0.1), 10) // clamped to the channel's min/max
			delay = time.Duration(f * float64(time.Second))
		}
	}
	k.mu.Lock()
	ch := k.gpioChannelFor(w, r.URL.Query().Get("channel"))
	if ch == nil {
		k.mu.Unlock()
		return
	}
	if !ch.pulse {
		k.mu.Unlock()
		kvmdError(w, http.StatusBadRequest, "GpioPulseNotSupported", "This channel does not support pulsing")
		return
	}
	ch.busyUntil = time.Now().Add(delay)
	ch.pulses++
	k.mu.Unlock()
	if wait, _ := kvmdBool(r.URL.Query().Get("wait")); wait {
		time.Sleep(delay)
	}
	kvmdOK(w, map[string]any{})
}
