package mockhost

import (
	"net/http"
	"time"
)

// The fake's ATX: a simulated host whose power LED follows presses after the
// boot or shutdown delay. kvmd itself never waits for the host.

func (k *KVMD) regionBusy(region string) bool {
	return time.Now().Before(k.atxBusy[region])
}

func (k *KVMD) atxState(w http.ResponseWriter) {
	k.mu.Lock()
	defer k.mu.Unlock()
	powerBusy, resetBusy := k.regionBusy("power"), k.regionBusy("reset")
	kvmdOK(w, map[string]any{
		"enabled": !k.opts.ATXDisabled,
		"busy":    powerBusy || resetBusy,
		"acts":    map[string]bool{"power": powerBusy, "reset": resetBusy},
		"leds":    map[string]bool{"power": k.powerLED, "hdd": k.hddLED},
	})
}

// press holds a button for hold and keeps its region busy BusyAfter more;
// effect runs when the button is released, unless the power changed since.
// It returns how long a wait=1 caller waits, or false when the region is busy.
func (k *KVMD) press(region string, hold time.Duration, effect func()) (time.Duration, bool) {
	if k.regionBusy(region) {
		return 0, false
	}
	k.atxBusy[region] = time.Now().Add(hold + k.opts.BusyAfter)
	k.powerGen++
	gen := k.powerGen
	time.AfterFunc(hold, func() {
		k.mu.Lock()
		defer k.mu.Unlock()
		if k.powerGen == gen && effect != nil {
			effect()
		}
	})
	return hold + k.opts.BusyAfter, true
}

// afterDelay changes the power LED later, unless another press came first.
func (k *KVMD) afterDelay(d time.Duration, on bool) func() {
	return func() {
		gen := k.powerGen
		time.AfterFunc(d, func() {
			k.mu.Lock()
			defer k.mu.Unlock()
			if k.powerGen == gen {
				k.powerLED = on
			}
		})
	}
}

func (k *KVMD) atxPower(w http.ResponseWriter, r *http.Request) {
	action := r.URL.Query().Get("action")
	k.act(w, r, func() (string, time.Duration, func(), bool) {
		switch action {
		case "on":
			return "power", k.opts.ClickTime, k.afterDelay(k.opts.BootDelay, true), !k.powerLED
		case "off":
			return "power", k.opts.ClickTime, k.softOff(), k.powerLED
		case "off_hard":
			return "power", k.opts.LongClickTime, func() { k.powerLED = false }, k.powerLED
		case "reset_hard":
			return "reset", k.opts.ClickTime, nil, k.powerLED
		}
		return "", 0, nil, false
	})
}

func (k *KVMD) atxClick(w http.ResponseWriter, r *http.Request) {
	button := r.URL.Query().Get("button")
	k.act(w, r, func() (string, time.Duration, func(), bool) {
		switch button {
		case "power":
			if k.powerLED {
				return "power", k.opts.ClickTime, k.softOff(), true
			}
			return "power", k.opts.ClickTime, k.afterDelay(k.opts.BootDelay, true), true
		case "power_long":
			return "power", k.opts.LongClickTime, func() { k.powerLED = false }, true
		case "reset":
			return "reset", k.opts.ClickTime, nil, true
		}
		return "", 0, nil, false
	})
}

func (k *KVMD) softOff() func() {
	if k.opts.IgnoreSoftOff {
		return nil
	}
	return k.afterDelay(k.opts.ShutdownDelay, false)
}

// act runs one ATX request: validate, check the LED condition, press.
func (k *KVMD) act(w http.ResponseWriter, r *http.Request, choose func() (region string, hold time.Duration, effect func(), doIt bool)) {
	wait := false
	if v := r.URL.Query().Get("wait"); v != "" {
		b, ok := kvmdBool(v)
		if !ok {
			kvmdError(w, http.StatusBadRequest, "ValidatorError", "The argument '"+v+"' is not a valid boolean")
			return
		}
		wait = b
	}
	k.mu.Lock()
	region, hold, effect, doIt := choose()
	if region == "" {
		k.mu.Unlock()
		kvmdError(w, http.StatusBadRequest, "ValidatorError", "The argument is not a valid ATX action or button")
		return
	}
	if k.opts.ATXDisabled {
		k.mu.Unlock()
		kvmdError(w, http.StatusBadRequest, "AtxDisabledError", "ATX is disabled")
		return
	}
	if !doIt {
		// The LED says there is nothing to do: 200, and nothing happens.
		k.mu.Unlock()
		kvmdOK(w, map[string]any{})
		return
	}
	waitFor, ok := k.press(region, hold, effect)
	k.mu.Unlock()
	if !ok {
		kvmdError(w, http.StatusConflict, "AtxIsBusyError", "Performing another ATX operation, please try again later")
		return
	}
	if wait {
		time.Sleep(waitFor)
	}
	kvmdOK(w, map[string]any{})
}
