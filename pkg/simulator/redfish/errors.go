/*
Copyright The baremetal-apiserver Authors.

Licensed under the Apache License, Version 2.0 (the "License");
you may not use this file except in compliance with the License.
You may obtain a copy of the License at

    http://www.apache.org/licenses/LICENSE-2.0

Unless required by applicable law or agreed to in writing, software
distributed under the License is distributed on an "AS IS" BASIS,
WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
See the License for the specific language governing permissions and
limitations under the License.
*/

package redfish

import (
	"encoding/json"
	"fmt"
	"net/http"
)

// baseRegistry is the Base message registry version the simulator claims.
// Clients match message ids on the suffix, so the version matters little.
// updateRegistry is DMTF's Update registry, for the messages of update tasks.
const (
	baseRegistry   = "Base.1.8."
	updateRegistry = "Update.1.0."
)

// message is one Redfish message (DSP0266 "Message" object).
type message struct {
	// registry prefixes id; empty means baseRegistry.
	registry   string
	id         string
	text       string
	args       []string
	severity   string
	resolution string
	related    []string
}

func (m message) messageID() string {
	if m.registry == "" {
		return baseRegistry + m.id
	}
	return m.registry + m.id
}

func (m message) object() obj {
	o := obj{
		"@odata.type":     "#Message.v1_1_1.Message",
		"MessageId":       m.messageID(),
		"Message":         m.text,
		"MessageArgs":     nonNil(m.args),
		"Severity":        m.severity,
		"MessageSeverity": m.severity,
		"Resolution":      m.resolution,
	}
	if len(m.related) > 0 {
		o["RelatedProperties"] = m.related
	}
	return o
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// errorBody is the Redfish error response: the first message's id is the
// code, because clients (sushy among them) compare the code with message ids.
func errorBody(msgs ...message) obj {
	infos := make([]obj, 0, len(msgs))
	for _, m := range msgs {
		infos = append(infos, m.object())
	}
	return obj{"error": obj{
		"code":                  msgs[0].messageID(),
		"message":               msgs[0].text,
		"@Message.ExtendedInfo": infos,
	}}
}

func writeError(w http.ResponseWriter, status int, msgs ...message) {
	b, _ := json.MarshalIndent(errorBody(msgs...), "", "  ")
	h := w.Header()
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("OData-Version", "4.0")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

func msg(id, severity, resolution, format string, args ...string) message {
	a := make([]any, len(args))
	for i, s := range args {
		a[i] = s
	}
	return message{id: id, text: fmt.Sprintf(format, a...), args: args, severity: severity, resolution: resolution}
}

func msgSuccess() message {
	return msg("Success", "OK", "None", "The request completed successfully.")
}

func msgResourceNotFound(typ, id string) message {
	return msg("ResourceNotFound", "Critical", "Provide a valid resource identifier and resubmit the request.",
		"The requested resource of type %s named '%s' was not found.", typ, id)
}

func msgNoValidSession() message {
	return msg("NoValidSession", "Critical", "Establish a session before attempting any operations.",
		"There is no valid session established with the implementation.")
}

func msgInsufficientPrivilege() message {
	return msg("InsufficientPrivilege", "Critical",
		"Either abandon the operation or change the associated access rights and resubmit the request.",
		"There are insufficient privileges for the account or credentials associated with the current session to perform the requested operation.")
}

func msgSessionLimitExceeded() message {
	return msg("SessionLimitExceeded", "Critical", "Reduce the number of other sessions before trying to establish the session or increase the limit of simultaneous sessions (if supported).",
		"The session establishment failed due to the number of simultaneous sessions exceeding the limit of the implementation.")
}

func msgInternalError() message {
	return msg("InternalError", "Critical", "Resubmit the request. If the problem persists, consider resetting the service.",
		"The request failed due to an internal service error. The service is still operational.")
}

func msgServiceUnavailable() message {
	return msg("ServiceTemporarilyUnavailable", "Critical", "Wait for the indicated retry duration and retry the operation.",
		"The service is temporarily unavailable. Retry in %s seconds.", "5")
}

func msgMalformedJSON() message {
	return msg("MalformedJSON", "Critical", "Ensure that the request body is valid JSON and resubmit the request.",
		"The request body submitted was malformed JSON and could not be parsed by the receiving service.")
}

func msgMethodNotAllowed(method string) message {
	return msg("OperationNotAllowed", "Critical", "Use one of the methods listed in the Allow header.",
		"The HTTP method %s is not allowed on this resource.", method)
}

func msgPropertyUnknown(prop string) message {
	m := msg("PropertyUnknown", "Warning", "Remove the unknown property from the request body and resubmit the request if the operation failed.",
		"The property %s is not in the list of valid properties for the resource.", prop)
	m.related = []string{"#/" + prop}
	return m
}

func msgPropertyNotWritable(prop string) message {
	m := msg("PropertyNotWritable", "Warning", "Remove the property from the request body and resubmit the request if the operation failed.",
		"The property %s is a read only property and cannot be assigned a value.", prop)
	m.related = []string{"#/" + prop}
	return m
}

func msgPropertyValueNotInList(value, prop string) message {
	m := msg("PropertyValueNotInList", "Warning", "Choose a value from the enumeration list that the implementation can support and resubmit the request if the operation failed.",
		"The value '%s' for the property %s is not in the list of acceptable values.", value, prop)
	m.related = []string{"#/" + prop}
	return m
}

func msgPropertyValueTypeError(value, prop string) message {
	m := msg("PropertyValueTypeError", "Warning", "Correct the value for the property in the request body and resubmit the request if the operation failed.",
		"The value '%s' for the property %s is of a different type than the property can accept.", value, prop)
	m.related = []string{"#/" + prop}
	return m
}

func msgActionParameterMissing(action, param string) message {
	m := msg("ActionParameterMissing", "Critical", "Supply the action with the required parameter in the request body when the request is resubmitted.",
		"The action %s requires the parameter %s to be present in the request body.", action, param)
	m.related = []string{"#/" + param}
	return m
}

func msgActionParameterValueNotInList(value, param, action string) message {
	m := msg("ActionParameterValueNotInList", "Warning", "Choose a value from the enumeration list that the implementation can support and resubmit the request if the operation failed.",
		"The value '%s' for the parameter %s in the action %s is not in the list of acceptable values.", value, param, action)
	m.related = []string{"#/" + param}
	return m
}

func msgActionParameterValueFormatError(value, param, action string) message {
	m := msg("ActionParameterValueFormatError", "Warning", "Correct the value for the parameter in the request body and resubmit the request if the operation failed.",
		"The value '%s' for the parameter %s in the action %s is of a different format than the parameter can accept.", value, param, action)
	m.related = []string{"#/" + param}
	return m
}

func msgActionParameterNotSupported(param, action string) message {
	m := msg("ActionParameterNotSupported", "Warning", "Remove the parameter supplied and resubmit the request if the operation failed.",
		"The parameter %s for the action %s is not supported on the target resource.", param, action)
	m.related = []string{"#/" + param}
	return m
}

// msgTransferFailed is the Update registry's TransferFailed, with why appended: clients
// show a task's message text, and "failed" alone does not say what to fix.
func msgTransferFailed(image, target, why string) message {
	m := msg("TransferFailed", "Critical", "Check that the image is reachable from the BMC and retry the update.",
		"Transfer of image '%s' to '%s' failed: %s", image, target, why)
	m.registry = updateRegistry
	return m
}

// msgAwaitToActivate is the Update registry's AwaitToActivate: the image is staged and
// takes effect on the action named (a reset of the system or of the BMC).
func msgAwaitToActivate(image, target, action string) message {
	m := msg("AwaitToActivate", "OK", "Perform the requested action to advance the update operation.",
		"Awaiting for an action to proceed with activating image '%s' on '%s'. Perform %s to activate it.", image, target, action)
	m.registry = updateRegistry
	return m
}

func msgResourceInUse() message {
	return msg("ResourceInUse", "Warning", "Remove the condition and resubmit the request if the operation failed.",
		"The change to the requested resource failed because the resource is in use or in transition.")
}

func msgPreconditionFailed() message {
	return msg("PreconditionFailed", "Critical", "Try the operation again using the appropriate ETag.",
		"The ETag supplied did not match the ETag required to change this resource.")
}

func msgPropertyMissing(prop string) message {
	m := msg("PropertyMissing", "Warning", "Ensure that the property is in the request body and has a valid value and resubmit the request if the operation failed.",
		"The property %s is a required property and must be included in the request.", prop)
	m.related = []string{"#/" + prop}
	return m
}

func msgPropertyValueFormatError(value, prop string) message {
	m := msg("PropertyValueFormatError", "Warning", "Correct the value for the property in the request body and resubmit the request if the operation failed.",
		"The value '%s' for the property %s is of a different format than the property can accept.", value, prop)
	m.related = []string{"#/" + prop}
	return m
}

func msgEventSubscriptionLimitExceeded() message {
	return msg("EventSubscriptionLimitExceeded", "Critical", "Reduce the number of other subscriptions before trying to establish the event subscription or increase the limit of simultaneous subscriptions (if supported).",
		"The event subscription failed due to the number of simultaneous subscriptions exceeding the limit of the implementation.")
}
