// tillit portal: the WebAuthn ceremonies of forms marked data-webauthn ("create" to enrol a
// passkey, "get" to sign in or to sign an action), and focus on a notice after a round trip.
// No dependencies, no inline script, text only through textContent.

const b64url = {
  encode(buffer) {
    const bytes = new Uint8Array(buffer);
    let text = '';
    for (const b of bytes) text += String.fromCharCode(b);
    return btoa(text).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
  },
  decode(text) {
    const base64 = text.replace(/-/g, '+').replace(/_/g, '/');
    const padded = base64 + '='.repeat((4 - (base64.length % 4)) % 4);
    const raw = atob(padded);
    const bytes = new Uint8Array(raw.length);
    for (let i = 0; i < raw.length; i++) bytes[i] = raw.charCodeAt(i);
    return bytes;
  },
};

function ids(list) {
  return (list || '').split(',').filter((s) => s.length > 0)
    .map((id) => ({ type: 'public-key', id: b64url.decode(id) }));
}

function set(form, name, value) {
  const field = form.elements.namedItem(name);
  if (field) field.value = value;
}

async function create(form) {
  const d = form.dataset;
  const credential = await navigator.credentials.create({
    publicKey: {
      rp: { id: d.rpId, name: 'tillit' },
      user: { id: b64url.decode(d.userHandle), name: d.userName, displayName: d.userDisplayName },
      challenge: b64url.decode(d.challenge),
      pubKeyCredParams: [
        { type: 'public-key', alg: -7 },
        { type: 'public-key', alg: -8 },
        { type: 'public-key', alg: -257 },
      ],
      authenticatorSelection: { userVerification: 'required', residentKey: 'preferred' },
      attestation: 'none',
      excludeCredentials: ids(d.exclude),
      timeout: 120000,
    },
  });
  set(form, 'attestation_object', b64url.encode(credential.response.attestationObject));
  set(form, 'client_data_json', b64url.encode(credential.response.clientDataJSON));
  const transports = credential.response.getTransports ? credential.response.getTransports() : [];
  set(form, 'transports', JSON.stringify(transports));
}

async function get(form) {
  const d = form.dataset;
  const credential = await navigator.credentials.get({
    publicKey: {
      challenge: b64url.decode(d.challenge),
      rpId: d.rpId,
      allowCredentials: ids(d.allow),
      userVerification: 'required',
      timeout: 120000,
    },
  });
  const r = credential.response;
  set(form, 'credential_id', b64url.encode(credential.rawId));
  set(form, 'authenticator_data', b64url.encode(r.authenticatorData));
  set(form, 'client_data_json', b64url.encode(r.clientDataJSON));
  set(form, 'signature', b64url.encode(r.signature));
  set(form, 'user_handle', r.userHandle ? b64url.encode(r.userHandle) : '');
}

for (const form of document.querySelectorAll('form[data-webauthn]')) {
  const status = form.querySelector('[data-status]');
  const say = (text, alert) => {
    if (!status) return;
    status.setAttribute('role', alert ? 'alert' : 'status');
    status.textContent = text;
  };
  form.addEventListener('submit', async (event) => {
    if (form.dataset.done === '1') return;
    event.preventDefault();
    const button = event.submitter || form.querySelector('button[type="submit"]');
    if (!window.PublicKeyCredential || !navigator.credentials) {
      say(form.dataset.msgUnsupported, true);
      return;
    }
    if (!form.reportValidity()) return;
    button?.setAttribute('aria-busy', 'true');
    button?.setAttribute('disabled', '');
    say(form.dataset.msgWorking, false);
    try {
      if (form.dataset.webauthn === 'create') await create(form);
      else await get(form);
      form.dataset.done = '1';
      form.submit();
    } catch (e) {
      say(form.dataset.msgFailed, true);
      button?.removeAttribute('disabled');
      button?.removeAttribute('aria-busy');
      button?.focus();
    }
  });
}

// An image file (a card order's photo and signature) goes into the hidden field of the same
// name as a data: URL, so that forms stay urlencoded.
for (const input of document.querySelectorAll('input[type="file"][data-image-into]')) {
  input.addEventListener('change', () => {
    const target = input.form && input.form.elements.namedItem(input.dataset.imageInto);
    const file = input.files && input.files[0];
    if (!target) return;
    if (!file) {
      target.value = '';
      return;
    }
    const reader = new FileReader();
    reader.addEventListener('load', () => {
      target.value = typeof reader.result === 'string' ? reader.result : '';
    });
    reader.readAsDataURL(file);
  });
}

const autofocus = document.querySelector('[data-autofocus]');
if (autofocus) autofocus.focus();
