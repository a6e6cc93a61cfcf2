package provider

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

// durationValidator accepts Go durations such as "10s" or "2m".
type durationValidator struct{}

func (durationValidator) Description(context.Context) string {
	return "must be a duration such as 10s or 2m"
}
func (v durationValidator) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }

func (durationValidator) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	d, err := time.ParseDuration(req.ConfigValue.ValueString())
	if err != nil || d < 0 {
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid duration",
			fmt.Sprintf("%q is not a duration: use a number with a unit, such as 10s, 1m30s or 2h.", req.ConfigValue.ValueString()))
	}
}

// incusNameValidator refuses at plan time a name incusd would refuse at
// apply (see instanceNameProblem and deviceNameProblem).
type incusNameValidator struct {
	what    string // "instance", "device"
	problem func(string) string
}

var (
	instanceNameValidator = incusNameValidator{what: "instance", problem: instanceNameProblem}
	deviceNameValidator   = incusNameValidator{what: "device", problem: deviceNameProblem}
)

func (v incusNameValidator) Description(context.Context) string {
	return "must be a valid Incus " + v.what + " name"
}
func (v incusNameValidator) MarkdownDescription(ctx context.Context) string {
	return v.Description(ctx)
}

func (v incusNameValidator) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	name := req.ConfigValue.ValueString()
	if problem := v.problem(name); problem != "" {
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid Incus "+strings.ToUpper(v.what[:1])+v.what[1:]+" Name",
			fmt.Sprintf("Incus would refuse the %s name %q: %s.", v.what, name, problem))
	}
}

// uniqueDeviceNames refuses two devices with one name: Incus keys devices by
// name, so only one of them could exist and the apply could never match the
// configuration.
type uniqueDeviceNames struct{}

func (uniqueDeviceNames) Description(context.Context) string {
	return "device names must be unique"
}
func (v uniqueDeviceNames) MarkdownDescription(ctx context.Context) string {
	return v.Description(ctx)
}

func (uniqueDeviceNames) ValidateSet(_ context.Context, req validator.SetRequest, resp *validator.SetResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	seen := map[string]int{}
	for _, elem := range req.ConfigValue.Elements() {
		obj, ok := elem.(interface{ Attributes() map[string]attr.Value })
		if !ok {
			continue
		}
		name, ok := obj.Attributes()["name"].(types.String)
		if !ok || name.IsNull() || name.IsUnknown() {
			continue // an unknown name is checked when it is known (at apply)
		}
		seen[name.ValueString()]++
		if seen[name.ValueString()] == 2 { // one error per name
			resp.Diagnostics.AddAttributeError(req.Path.AtSetValue(elem).AtName("name"), "Duplicate Incus Device Name",
				fmt.Sprintf("More than one device is named %q. Incus keys an instance's devices by name, so each device needs a name of its own: merge their properties into one device or rename one of them.", name.ValueString()))
		}
	}
}

// configKeyValidator checks an Incus config key: no blanks, and none of the
// keys Incus manages itself (volatile.*, image.*), which it would overwrite.
type configKeyValidator struct{}

func (configKeyValidator) Description(context.Context) string {
	return "must be an Incus config key other than volatile.* and image.*"
}
func (v configKeyValidator) MarkdownDescription(ctx context.Context) string {
	return v.Description(ctx)
}

func (configKeyValidator) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	key := req.ConfigValue.ValueString()
	switch {
	case key == "" || strings.ContainsAny(key, " \t\n"):
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid config key", fmt.Sprintf("%q is not a config key: keys are non-empty and have no blanks.", key))
	case strings.HasPrefix(key, "volatile.") || strings.HasPrefix(key, "image."):
		resp.Diagnostics.AddAttributeError(req.Path, "Config key managed by Incus",
			fmt.Sprintf("%q is set by Incus itself (volatile.* and image.* keys); remove it from config.", key))
	}
}
