//! A small typed client of `/api/v1` for the demo: one per officer, over HTTPS with the
//! officer's client certificate, each `POST` with a fresh `Idempotency-Key` and the officer's
//! signature over the action (README "Changing things through the API"; `action_text` in
//! `tillit-server/src/routines/action.rs`), made with the officer's own key: ECDSA P-256 with
//! SHA-256, DER, as `ActorSignature::verify` checks it.

use std::path::Path;

use anyhow::Context as _;
use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine as _;
use der::pem::LineEnding;
use serde_json::Value;
use tillit_pki::{FileSigner, KeyAlgorithm, Signer as _};
use tillit_server::admin::Credential;
use tillit_server::routines::action::action_text;

/// An HTTP client trusting only the node's CA chain (`tls/chain.pem`), with `identity` as
/// its client certificate when given.
pub fn client(chain_pem: &[u8], identity: Option<reqwest::Identity>) -> anyhow::Result<reqwest::Client> {
    let mut builder = reqwest::Client::builder()
        .use_rustls_tls()
        .tls_built_in_root_certs(false)
        .redirect(reqwest::redirect::Policy::none())
        .timeout(std::time::Duration::from_secs(60))
        .user_agent(concat!("tillit-demo/", env!("CARGO_PKG_VERSION")));
    for certificate in reqwest::Certificate::from_pem_bundle(chain_pem).context("tls/chain.pem")? {
        builder = builder.add_root_certificate(certificate);
    }
    if let Some(identity) = identity {
        builder = builder.identity(identity);
    }
    builder.build().context("cannot set up the HTTP client")
}

/// An officer at the API: their client and their signing key.
pub struct Officer {
    /// The base URL (`https://localhost:PORT`).
    base: String,
    /// The certificate's serial, the `keyid` of their signatures.
    serial: String,
    signer: FileSigner,
    client: reqwest::Client,
}

impl std::fmt::Debug for Officer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Officer").field("serial", &self.serial).finish_non_exhaustive()
    }
}

impl Officer {
    /// The officer holding `credential`, calling the node at `base`.
    pub fn new(base: &str, chain_pem: &[u8], credential: &Credential) -> anyhow::Result<Officer> {
        let certificate = der::pem::encode_string("CERTIFICATE", LineEnding::LF, &credential.certificate)
            .map_err(|e| anyhow::anyhow!("the officer's certificate: {e}"))?;
        let key = zeroize::Zeroizing::new(
            der::pem::encode_string("PRIVATE KEY", LineEnding::LF, &credential.key)
                .map_err(|e| anyhow::anyhow!("the officer's key: {e}"))?,
        );
        let pem = zeroize::Zeroizing::new([certificate.as_bytes(), key.as_bytes()].concat());
        let identity = reqwest::Identity::from_pem(&pem).context("the officer's client certificate")?;
        let signer =
            FileSigner::from_pkcs8(Path::new("(officer key)"), KeyAlgorithm::EcdsaP256, &credential.key)
                .map_err(|e| anyhow::anyhow!("the officer's key: {e}"))?;
        Ok(Officer {
            base: base.to_owned(),
            serial: credential.serial.clone(),
            signer,
            client: client(chain_pem, Some(identity))?,
        })
    }

    /// `Tillit-Signature` (or `Tillit-Co-Signature`) for a POST to `path` under `key` with
    /// `body`.
    fn signature(&self, path: &str, key: &str, body: &[u8]) -> anyhow::Result<String> {
        let text = action_text("POST", path, key, body);
        let signature =
            self.signer.sign(text.as_bytes()).map_err(|e| anyhow::anyhow!("signing the action: {e}"))?;
        Ok(format!("keyid=\"{}\", signature=\"{}\"", self.serial, B64.encode(signature)))
    }

    /// `GET path`: the JSON answer of a 2xx, else an error naming the problem.
    pub async fn get(&self, path: &str) -> anyhow::Result<Value> {
        let response = self
            .client
            .get(format!("{}{path}", self.base))
            .send()
            .await
            .with_context(|| format!("GET {path}"))?;
        answer("GET", path, response).await
    }

    /// `POST path` with `body`, signed by this officer.
    pub async fn post(&self, path: &str, body: &Value) -> anyhow::Result<Value> {
        self.post_signed(path, body, None).await
    }

    /// `POST path` with `body`, signed by this officer and co-signed by `second` over the
    /// same action text (R-RES-5: `Tillit-Co-Signature`).
    pub async fn post_co_signed(&self, second: &Officer, path: &str, body: &Value) -> anyhow::Result<Value> {
        self.post_signed(path, body, Some(second)).await
    }

    async fn post_signed(&self, path: &str, body: &Value, second: Option<&Officer>) -> anyhow::Result<Value> {
        let bytes = serde_json::to_vec(body)?;
        let key = uuid::Uuid::new_v4().to_string();
        let mut request = self
            .client
            .post(format!("{}{path}", self.base))
            .header("idempotency-key", &key)
            .header("tillit-signature", self.signature(path, &key, &bytes)?)
            .header("content-type", "application/json");
        if let Some(second) = second {
            request = request.header("tillit-co-signature", second.signature(path, &key, &bytes)?);
        }
        let response = request.body(bytes).send().await.with_context(|| format!("POST {path}"))?;
        answer("POST", path, response).await
    }
}

/// `POST /api/v1/enrolment` as the holder's card client sends it, without a client
/// certificate: the one-time code, the two requests and (reserve cards) the receipt.
pub async fn enrol(base: &str, chain_pem: &[u8], body: &Value) -> anyhow::Result<Value> {
    let path = "/api/v1/enrolment";
    let response = client(chain_pem, None)?
        .post(format!("{base}{path}"))
        .header("idempotency-key", uuid::Uuid::new_v4().to_string())
        .json(body)
        .send()
        .await
        .with_context(|| format!("POST {path}"))?;
    answer("POST", path, response).await
}

/// The JSON of a 2xx answer; otherwise an error with the status and the problem's title,
/// detail, rule and field.
async fn answer(method: &str, path: &str, response: reqwest::Response) -> anyhow::Result<Value> {
    let status = response.status();
    let body: Value = response.json().await.unwrap_or(Value::Null);
    if status.is_success() {
        return Ok(body);
    }
    let text = |k: &str| body[k].as_str().unwrap_or("").to_owned();
    anyhow::bail!(
        "{method} {path}: {status}: {} {} (rule {}, field {})",
        text("title"),
        text("detail"),
        text("rule"),
        text("field")
    )
}
