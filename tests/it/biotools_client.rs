//! The bio.tools client against a local stand-in (wiremock): 404, retries on 5xx/429 and timeouts
//! only, the timeouts, the size cap, bad JSON, redirects, the User-Agent, and the API URL setting.
//! The real records are served and mapped in `biotools_fixtures`.

use std::time::Duration;

use service_registry::biotools::client::user_agent;
use service_registry::biotools::{BiotoolsClient, BiotoolsError, BiotoolsId, ClientSettings};
use wiremock::matchers::{header, method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

pub(crate) fn ua() -> String {
    user_agent("https://registry.example.org")
}

/// Short delays and timeouts so failures are quick.
pub(crate) fn settings(base: &str) -> ClientSettings {
    let mut s = ClientSettings::new(base, ua());
    s.backoff = Duration::from_millis(10);
    s.read_timeout = Duration::from_secs(5);
    s.connect_timeout = Duration::from_secs(2);
    s
}

pub(crate) fn client(s: ClientSettings) -> BiotoolsClient {
    BiotoolsClient::new(s).expect("client")
}

pub(crate) fn id(s: &str) -> BiotoolsId {
    BiotoolsId::parse(s).expect("id")
}

async fn serve(server: &MockServer, tool: &str, response: ResponseTemplate, times: u64) {
    Mock::given(method("GET"))
        .and(path(format!("/tool/{tool}/")))
        .respond_with(response)
        .up_to_n_times(times)
        .expect(times)
        .mount(server)
        .await;
}

fn ok_body() -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(serde_json::json!({"biotoolsID": "x", "name": "X"}))
}

#[tokio::test]
async fn not_found_is_its_own_error_and_not_retried() {
    let server = MockServer::start().await;
    serve(&server, "nope", ResponseTemplate::new(404), 1).await;
    let err = client(settings(&server.uri())).get_tool(&id("nope")).await;
    assert!(
        matches!(&err, Err(BiotoolsError::NotFound(i)) if i == "nope"),
        "{err:?}"
    );
    let msg = err.err().map(|e| e.to_string()).unwrap_or_default();
    assert_eq!(msg, "bio.tools has no tool with the id 'nope' (HTTP 404)");
}

#[tokio::test]
async fn other_client_errors_are_not_retried() {
    let server = MockServer::start().await;
    serve(&server, "x", ResponseTemplate::new(403), 1).await;
    let err = client(settings(&server.uri())).get_tool(&id("x")).await;
    assert!(matches!(err, Err(BiotoolsError::Status(403))), "{err:?}");
}

#[tokio::test]
async fn a_server_error_then_success_is_retried() {
    let server = MockServer::start().await;
    serve(&server, "x", ResponseTemplate::new(500), 1).await;
    serve(&server, "x", ok_body(), 1).await;
    let entry = client(settings(&server.uri())).get_tool(&id("x")).await;
    assert_eq!(entry.map(|e| e.name).ok().as_deref(), Some("X"));
}

#[tokio::test]
async fn too_many_requests_is_retried_after_the_backoff() {
    let server = MockServer::start().await;
    serve(&server, "x", ResponseTemplate::new(429), 1).await;
    serve(&server, "x", ok_body(), 1).await;
    assert!(
        client(settings(&server.uri()))
            .get_tool(&id("x"))
            .await
            .is_ok()
    );
}

#[tokio::test]
async fn three_server_errors_give_up_after_three_attempts() {
    let server = MockServer::start().await;
    serve(&server, "x", ResponseTemplate::new(500), 3).await;
    let started = std::time::Instant::now();
    let err = client(settings(&server.uri())).get_tool(&id("x")).await;
    let Err(err) = err else { panic!("accepted") };
    assert!(
        matches!(&err, BiotoolsError::GaveUp { attempts: 3, last } if matches!(**last, BiotoolsError::Status(500))),
        "{err:?}"
    );
    assert_eq!(
        err.to_string(),
        "bio.tools answered HTTP 500 (gave up after 3 attempts)"
    );
    // 10 ms then 20 ms of backoff.
    assert!(started.elapsed() >= Duration::from_millis(30));
    server.verify().await;
}

#[tokio::test]
async fn a_hanging_server_times_out_and_is_retried() {
    let server = MockServer::start().await;
    serve(&server, "x", ok_body().set_delay(Duration::from_secs(3)), 2).await;
    let mut s = settings(&server.uri());
    s.read_timeout = Duration::from_millis(200);
    s.attempts = 2;
    let err = client(s).get_tool(&id("x")).await;
    let Err(err) = err else { panic!("accepted") };
    assert!(
        matches!(err.last(), BiotoolsError::Timeout(t) if t == "0.2 s"),
        "{err:?}"
    );
    assert_eq!(
        err.to_string(),
        "timed out after 0.2 s (gave up after 2 attempts)"
    );
}

#[tokio::test]
async fn an_attempt_has_a_deadline_of_its_own() {
    let server = MockServer::start().await;
    serve(&server, "x", ok_body().set_delay(Duration::from_secs(3)), 1).await;
    let mut s = settings(&server.uri());
    s.attempt_timeout = Duration::from_millis(300);
    s.attempts = 1;
    let err = client(s).get_tool(&id("x")).await;
    assert!(
        matches!(&err, Err(BiotoolsError::Timeout(t)) if t == "0.3 s"),
        "{err:?}"
    );
}

#[tokio::test]
async fn an_oversized_body_is_refused_and_not_retried() {
    let server = MockServer::start().await;
    let big = format!("{{\"name\": \"{}\"}}", "x".repeat(4096));
    serve(
        &server,
        "x",
        ResponseTemplate::new(200).set_body_raw(big, "application/json"),
        1,
    )
    .await;
    let mut s = settings(&server.uri());
    s.max_bytes = 1024;
    let err = client(s).get_tool(&id("x")).await;
    assert!(matches!(&err, Err(BiotoolsError::TooLarge(_))), "{err:?}");
    let msg = err.err().map(|e| e.to_string()).unwrap_or_default();
    assert_eq!(msg, "response larger than 1 KiB");
}

/// A server that sends an endless chunked body with no length: the client must stop reading at the cap.
#[tokio::test]
async fn an_endless_body_stops_at_the_cap() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        let Ok((mut sock, _)) = listener.accept().await else {
            return;
        };
        let mut buf = [0u8; 4096];
        let _ = sock.read(&mut buf).await;
        let head = "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n\r\n";
        if sock.write_all(head.as_bytes()).await.is_err() {
            return;
        }
        let chunk = format!("400\r\n{}\r\n", " ".repeat(1024));
        while sock.write_all(chunk.as_bytes()).await.is_ok() {}
    });
    let mut s = settings(&format!("http://{addr}"));
    s.max_bytes = 64 * 1024;
    s.attempts = 1;
    let err = client(s).get_tool(&id("x")).await;
    assert!(
        matches!(&err, Err(BiotoolsError::TooLarge(m)) if m == "64 KiB"),
        "{err:?}"
    );
}

#[tokio::test]
async fn a_body_that_is_not_json_is_a_parse_error() {
    let server = MockServer::start().await;
    let html = ResponseTemplate::new(200).set_body_raw("<html>maintenance</html>", "text/html");
    serve(&server, "x", html, 1).await;
    let err = client(settings(&server.uri())).get_tool(&id("x")).await;
    let msg = err.err().map(|e| e.to_string()).unwrap_or_default();
    assert!(msg.starts_with("not valid JSON: "), "{msg}");

    serve(
        &server,
        "y",
        ResponseTemplate::new(200).set_body_json(serde_json::json!([1])),
        1,
    )
    .await;
    let err = client(settings(&server.uri())).get_tool(&id("y")).await;
    assert!(
        matches!(err, Err(BiotoolsError::NotATool("array"))),
        "{err:?}"
    );
}

#[tokio::test]
async fn our_user_agent_and_accept_header_are_sent() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/tool/signalp/"))
        .and(query_param("format", "json"))
        .and(header("user-agent", ua().as_str()))
        .and(header("accept", "application/json"))
        .respond_with(ok_body())
        .expect(1)
        .mount(&server)
        .await;
    let base = format!("{}/", server.uri());
    let entry = client(settings(&base))
        .get_tool(&id("https://bio.tools/SignalP/"))
        .await;
    assert!(entry.is_ok(), "{entry:?}");
    assert!(
        ua().starts_with("service-registry/") && ua().ends_with("(+https://registry.example.org)")
    );
}

#[tokio::test]
async fn redirects_to_another_host_are_not_followed() {
    let server = MockServer::start().await;
    let away = ResponseTemplate::new(302).insert_header("location", "http://elsewhere.invalid/x");
    serve(&server, "x", away, 1).await;
    let err = client(settings(&server.uri())).get_tool(&id("x")).await;
    assert!(matches!(err, Err(BiotoolsError::Status(302))), "{err:?}");
}

#[tokio::test]
async fn an_unreachable_server_is_a_connection_error_after_retries() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = listener.local_addr().expect("addr");
    drop(listener);
    let mut s = settings(&format!("http://{addr}"));
    s.attempts = 2;
    let err = client(s).get_tool(&id("x")).await;
    let Err(err) = err else { panic!("accepted") };
    assert!(matches!(err.last(), BiotoolsError::Connect(_)), "{err:?}");
    assert!(
        err.to_string()
            .starts_with("could not connect to bio.tools: "),
        "{err}"
    );
}

#[test]
fn the_api_url_comes_from_the_environment_or_site_toml() {
    use service_registry::config::{Config, EnvSource, Overrides};
    let dir = tempfile::tempdir().expect("tempdir");
    let site = crate::support::repo_path("config/site.toml");
    let load = |extra: &[(&str, &str)]| {
        let mut pairs = vec![
            ("DATA_DIR".to_string(), dir.path().display().to_string()),
            ("SITE_CONFIG".to_string(), site.display().to_string()),
        ];
        pairs.extend(extra.iter().map(|(k, v)| (k.to_string(), v.to_string())));
        Config::load(&EnvSource::from_pairs(pairs), &Overrides::default())
    };
    let cfg = load(&[]).expect("config");
    assert_eq!(cfg.biotools_api_url, "https://bio.tools/api");
    assert!(
        ClientSettings::from_config(&cfg)
            .user_agent
            .starts_with("service-registry/")
    );
    let cfg = load(&[("BIOTOOLS_API_URL", "http://127.0.0.1:9/api/")]).expect("config");
    assert_eq!(cfg.biotools_api_url, "http://127.0.0.1:9/api");
    let summary = cfg.redacted_summary();
    assert!(
        summary
            .iter()
            .any(|(k, v)| k == "BIOTOOLS_API_URL" && v == "http://127.0.0.1:9/api")
    );
    let err = load(&[("BIOTOOLS_API_URL", "bio.tools")]).map(|_| ());
    assert!(format!("{err:?}").contains("BIOTOOLS_API_URL"), "{err:?}");
}
