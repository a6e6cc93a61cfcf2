package incusattr

import (
	"context"
	"fmt"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

// NameValidator refuses at plan time a name incusd would refuse at
// apply (see InstanceNameProblem and DeviceNameProblem).
type NameValidator struct {
	what    string // "instance", "device"
	problem func(string) string
}

// NewNameValidator checks the names of one kind of Incus object (what:
// "profile") with problem, which says why incusd would refuse a name.
func NewNameValidator(what string, problem func(string) string) NameValidator {
	return NameValidator{what: what, problem: problem}
}

// Validators of instance and device names.
var (
	InstanceNameValidator = NameValidator{what: "instance", problem: InstanceNameProblem}
	DeviceNameValidator   = NameValidator{what: "device", problem: DeviceNameProblem}
)

func (v NameValidator) Description(context.Context) string {
	return "must be a valid Incus " + v.what + " name"
}
func (v NameValidator) MarkdownDescription(ctx context.Context) string {
	return v.Description(ctx)
}

func (v NameValidator) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	name := req.ConfigValue.ValueString()
	if problem := v.problem(name); problem != "" {
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid Incus "+titleWords(v.what)+" Name",
			fmt.Sprintf("Incus would refuse the %s name %q: %s.", v.what, name, problem))
	}
}

// UniqueDeviceNames refuses two devices with one name: Incus keys devices by
// name, so only one of them could exist and the apply could never match the
// configuration.
type UniqueDeviceNames struct{}

func (UniqueDeviceNames) Description(context.Context) string {
	return "device names must be unique"
}
func (v UniqueDeviceNames) MarkdownDescription(ctx context.Context) string {
	return v.Description(ctx)
}

func (UniqueDeviceNames) ValidateSet(_ context.Context, req validator.SetRequest, resp *validator.SetResponse) {
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

// ConfigKeyValidator checks an Incus config key: no blanks, and none of the
// keys Incus manages itself (volatile.*, image.*), which it would overwrite.
type ConfigKeyValidator struct{}

func (ConfigKeyValidator) Description(context.Context) string {
	return "must be an Incus config key other than volatile.* and image.*"
}
func (v ConfigKeyValidator) MarkdownDescription(ctx context.Context) string {
	return v.Description(ctx)
}

func (ConfigKeyValidator) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
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

// titleWords capitalises each word of a noun for a diagnostic summary:
// "network address set" is "Network Address Set" (ACL stays ACL).
func titleWords(s string) string {
	words := strings.Fields(s)
	for i, w := range words {
		words[i] = strings.ToUpper(w[:1]) + w[1:]
	}
	return strings.Join(words, " ")
}
