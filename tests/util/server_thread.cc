#include "tests/util/server_thread.h"

#include <catch2/catch.hpp>

namespace bee::test {

ServerThread::ServerThread(const std::string& dir) {
  loop_ = net::EventLoop::Create().value();
  server_ = remote::Server::Create(loop_.get(), remote::ServeOptions{}).value();
  REQUIRE(server_->AddDirectory(dir).ok());
  Start();
}

ServerThread::ServerThread(log::Core* core) {
  loop_ = net::EventLoop::Create().value();
  server_ = remote::Server::Create(loop_.get(), remote::ServeOptions{}).value();
  REQUIRE(server_->AddCore(core).ok());
  Start();
}

void ServerThread::Start() {
  REQUIRE(server_->Listen().ok());
  thread_ = std::thread([this] { (void)loop_->Run(); });
}

ServerThread::~ServerThread() {
  loop_->Post([this] {
    server_.reset();
    loop_->Stop();
  });
  thread_.join();
}

}  // namespace bee::test
