//! The authentication handshake on a connection: CPython's `deliver_challenge` and
//! `answer_challenge` over the messages [`auth`] defines.

use crate::auth::{self, ChallengeStyle};
use crate::{AuthenticationError, Config, Connection, Error};

impl Connection {
    /// The challenger's round (CPython's `deliver_challenge`): sends a challenge of `style`,
    /// checks the answer, and sends `#WELCOME#` or `#FAILURE#`.
    ///
    /// # Errors
    /// [`AuthenticationError`] when the answer is wrong or malformed (the peer has been told
    /// `#FAILURE#`), and the errors of sending and receiving.
    pub async fn deliver_challenge(
        &mut self,
        authkey: &[u8],
        style: ChallengeStyle,
    ) -> Result<(), Error> {
        let challenge = auth::new_challenge(style)?;
        let message = [auth::CHALLENGE, &challenge].concat();
        self.write_frame(&message).await?;
        let response = self
            .recv_bytes(Some(auth::MAX_HANDSHAKE_MESSAGE as usize))
            .await?;
        match auth::verify_response(authkey, &challenge, &response) {
            Ok(_) => self.write_frame(auth::WELCOME).await,
            Err(e) => {
                // The peer learns of the failure if it still listens; the error is ours either way.
                let _ = self.write_frame(auth::FAILURE).await;
                Err(e.into())
            }
        }
    }

    /// The answerer's round (CPython's `answer_challenge`): reads a challenge, sends the MAC,
    /// and expects `#WELCOME#`.
    ///
    /// # Errors
    /// [`AuthenticationError`] for a malformed challenge or when the peer rejects the
    /// answer (`digest sent was rejected`), and the errors of sending and receiving.
    pub async fn answer_challenge(&mut self, authkey: &[u8]) -> Result<(), Error> {
        let max = Some(auth::MAX_HANDSHAKE_MESSAGE as usize);
        let message = self.recv_bytes(max).await?;
        let challenge = auth::parse_challenge(&message)?;
        let response = auth::create_response(authkey, challenge)?;
        self.write_frame(&response).await?;
        if self.recv_bytes(max).await? != auth::WELCOME {
            return Err(AuthenticationError::DigestSentRejected.into());
        }
        Ok(())
    }

    /// Both rounds in the order of `side` (the server challenges first), within the
    /// configured handshake timeout.
    pub(crate) async fn authenticate(
        &mut self,
        authkey: &[u8],
        server: bool,
        config: &Config,
    ) -> Result<(), Error> {
        let rounds = async {
            if server {
                self.deliver_challenge(authkey, config.challenge).await?;
                self.answer_challenge(authkey).await
            } else {
                self.answer_challenge(authkey).await?;
                self.deliver_challenge(authkey, config.challenge).await
            }
        };
        match config.handshake_timeout {
            None => rounds.await,
            Some(t) => tokio::time::timeout(t, rounds)
                .await
                .unwrap_or(Err(Error::HandshakeTimeout(t))),
        }
    }
}
