// The order of frames on each direction of a connection
// (../shared/spec/PROTOCOL.md §1-§4):
//
//   initiator -> responder:  m1 (32) | m3 (64) | id_I ‖ header_I (56) | msg*
//   responder -> initiator:  m2 (96) | id_R ‖ header_R (56) | msg*
//
// each as `u24le(len) ‖ body`; msg = secretstream(plaintext), 17 + len bytes.
// A side sends its id/header frame as soon as its own handshake is done
// (the initiator after writing m3, the responder after reading it).
#include "net/secure_session.h"

#include <cassert>
#include <utility>

namespace bee::net {

Result<std::unique_ptr<SecureSession>> SecureSession::Create(
    bool is_initiator, log::KeyPair static_key, SecureSessionOptions options) {
  if (options.max_frame_body < kNoiseMessage2Size ||
      options.max_frame_body > kMaxFrameBody) {
    return Status::InvalidArgument("secure session: max_frame_body " +
                                   std::to_string(options.max_frame_body) +
                                   " is outside [" +
                                   std::to_string(kNoiseMessage2Size) + ", " +
                                   std::to_string(kMaxFrameBody) + "]");
  }
  BEE_ASSIGN_OR_RETURN(auto handshake,
                       NoiseHandshake::Create(
                           is_initiator, std::move(static_key), options.noise));
  return std::unique_ptr<SecureSession>(new SecureSession(
      is_initiator, std::move(handshake), std::move(options)));
}

SecureSession::SecureSession(bool is_initiator,
                             std::unique_ptr<NoiseHandshake> handshake,
                             SecureSessionOptions options)
    : is_initiator_(is_initiator),
      options_(std::move(options)),
      decoder_(kNoiseMessage2Size),
      handshake_(std::move(handshake)) {}

SecureSession::~SecureSession() = default;

bool SecureSession::handshake_done() const {
  return state_ == State::kAwaitingHeader || state_ == State::kOpen;
}

const HandshakeHash& SecureSession::handshake_hash() const {
  assert(handshake_done());
  return handshake_hash_;
}

const log::PublicKey& SecureSession::remote_public_key() const {
  assert(handshake_done());
  return remote_public_key_;
}

Status SecureSession::Fail(Status status) {
  if (state_ == State::kFailed) return error_;
  state_ = State::kFailed;
  error_ = std::move(status);
  handshake_.reset();
  push_.reset();
  pull_.reset();
  queue_.clear();
  queued_bytes_ = 0;
  return error_;
}

Status SecureSession::Start(std::string* out) {
  if (state_ == State::kFailed) return error_;
  if (state_ != State::kNew) {
    return Fail(Status::InvalidArgument("secure session: Start() twice"));
  }
  state_ = State::kHandshake;
  if (!is_initiator_) return Status::OK();
  std::string m1;
  Status s = handshake_->WriteMessage(&m1);
  if (!s.ok()) return Fail(s);
  AppendFrame(out, m1);
  return Status::OK();
}

Status SecureSession::Receive(std::string_view bytes, std::string* out,
                              std::vector<std::string>* messages) {
  if (state_ == State::kFailed) return error_;
  if (state_ == State::kNew) {
    return Fail(
        Status::InvalidArgument("secure session: Receive() before Start()"));
  }
  decoder_.Feed(bytes);
  for (;;) {
    auto next = decoder_.Next(&body_);
    if (!next.ok()) {
      return Fail(next.status().WithContext(
          state_ == State::kOpen
              ? "secure session"
              : "secure session (before the peer's header)"));
    }
    if (!*next) return Status::OK();
    BEE_RETURN_IF_ERROR(HandleFrame(body_, out, messages));
  }
}

Status SecureSession::HandleFrame(std::string_view body, std::string* out,
                                  std::vector<std::string>* messages) {
  switch (state_) {
    case State::kHandshake:
      return HandleHandshakeFrame(body, out);
    case State::kAwaitingHeader:
      return HandleHeaderFrame(body);
    case State::kOpen:
      return HandleMessageFrame(body, messages);
    case State::kNew:
    case State::kFailed:
      break;
  }
  assert(false);
  return error_;
}

Status SecureSession::HandleHandshakeFrame(std::string_view body,
                                           std::string* out) {
  Status s = handshake_->ReadMessage(body);
  if (!s.ok()) return Fail(s);
  if (handshake_->next_is_write()) {
    std::string reply;
    s = handshake_->WriteMessage(&reply);
    if (!s.ok()) return Fail(s);
    AppendFrame(out, reply);
  }
  if (handshake_->done()) OnHandshakeDone(out);
  return Status::OK();
}

void SecureSession::OnHandshakeDone(std::string* out) {
  handshake_hash_ = handshake_->handshake_hash();
  remote_public_key_ = handshake_->remote_public_key();
  remote_stream_id_ = ComputeStreamId(handshake_hash_, !is_initiator_);
  push_.emplace(
      options_.push_header_for_testing
          ? SecretStreamPush::WithHeaderForTesting(
                handshake_->tx_key(), *options_.push_header_for_testing)
          : SecretStreamPush(handshake_->tx_key()));
  std::string header;
  AppendHeaderFrame(ComputeStreamId(handshake_hash_, is_initiator_),
                    push_->header(), &header);
  AppendFrame(out, header);
  state_ = State::kAwaitingHeader;
  for (const std::string& m : queue_) EncryptFrame(m, out);
  queue_.clear();
  queued_bytes_ = 0;
}

Status SecureSession::HandleHeaderFrame(std::string_view body) {
  auto header = ParseHeaderFrame(body, remote_stream_id_);
  if (!header.ok()) return Fail(header.status());
  pull_.emplace(handshake_->rx_key(), *header);
  handshake_.reset();  // wipes the handshake's secrets and our rx key copy
  decoder_.set_max_body(options_.max_frame_body);
  state_ = State::kOpen;
  return Status::OK();
}

Status SecureSession::HandleMessageFrame(std::string_view body,
                                         std::vector<std::string>* messages) {
  Status s = pull_->Decrypt(body, &plain_);
  if (!s.ok()) return Fail(s);
  if (plain_.empty()) {
    keep_alives_received_++;
  } else {
    messages_received_++;
    messages->push_back(std::move(plain_));
    plain_.clear();
  }
  return Status::OK();
}

void SecureSession::EncryptFrame(std::string_view plaintext, std::string* out) {
  const size_t n = plaintext.size() + kSecretStreamOverhead;
  assert(n <= kMaxFrameBody);
  out->push_back(static_cast<char>(n & 0xff));
  out->push_back(static_cast<char>((n >> 8) & 0xff));
  out->push_back(static_cast<char>((n >> 16) & 0xff));
  push_->Encrypt(plaintext, out);
}

Status SecureSession::Send(std::string_view plaintext, std::string* out) {
  if (state_ == State::kFailed) return error_;
  if (plaintext.size() + kSecretStreamOverhead > options_.max_frame_body) {
    return Status::InvalidArgument(
        "secure session: a message of " + std::to_string(plaintext.size()) +
        " bytes does not fit in a frame (at most " +
        std::to_string(options_.max_frame_body - kSecretStreamOverhead) +
        " bytes of plaintext)");
  }
  if (!push_) {
    queued_bytes_ += plaintext.size();
    queue_.emplace_back(plaintext);
    return Status::OK();
  }
  EncryptFrame(plaintext, out);
  return Status::OK();
}

}  // namespace bee::net
